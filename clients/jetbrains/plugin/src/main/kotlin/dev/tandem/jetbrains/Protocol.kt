package dev.tandem.jetbrains

/*
 * The Tandem protocol (protocol/trace.ts, protocol/settings.ts in the repository) as the JSON
 * shapes LSP4J's Gson reads. Gson fills fields without running constructors, so every field is
 * nullable with a default, and readers fall back on empty values.
 */

class LspPosition(val line: Int = 0, val character: Int = 0)
class LspRange(val start: LspPosition? = null, val end: LspPosition? = null)
class LspLocation(val uri: String? = null, val range: LspRange? = null)

class RequirementSummary(
    val id: String? = null,
    val title: String? = null,
    val format: String? = null,
    val artifactType: String? = null,
    val status: String? = null,
    val defects: List<String>? = null,
    val implementations: Int = 0,
    val tests: Int = 0,
    val location: LspLocation? = null,
    val codeCoverage: CodeCoverage? = null,
)

class CodeCoverage(val covered: Int = 0, val total: Int = 0, val scope: String? = null)

class RequirementsParams(val gapsOnly: Boolean = false, val query: String? = null)
class RequirementsResult(val requirements: List<RequirementSummary>? = null)

class TestResultSummary(val outcome: String? = null, val stale: Boolean = false, val message: String? = null)

class TraceLink(
    val location: LspLocation? = null,
    val kind: String? = null,
    val symbol: String? = null,
    val testName: String? = null,
    val artifactType: String? = null,
    val result: TestResultSummary? = null,
)

class Defect(val kind: String? = null, val message: String? = null, val location: LspLocation? = null)

class RequirementTrace(
    val requirement: RequirementSummary? = null,
    val text: String? = null,
    val definitions: List<LspLocation>? = null,
    val implementations: List<TraceLink>? = null,
    val tests: List<TraceLink>? = null,
    val defects: List<Defect>? = null,
)

class TraceParams(val id: String)

class TextDocumentId(val uri: String)
class TraceAtParams(val textDocument: TextDocumentId, val position: LspPosition)
class TraceAtResult(val requirements: List<RequirementSummary>? = null, val symbol: String? = null)

class CoverageParams(val uri: String? = null)
class StatusCounts(val total: Int = 0, val byStatus: Map<String, Int>? = null)
class CoverageResult(
    val total: Int = 0,
    val byStatus: Map<String, Int>? = null,
    val byArtifactType: Map<String, StatusCounts>? = null,
    val defective: Int = 0,
    val unknownIdTags: Int = 0,
    val coveredRatio: Double = 0.0,
)

class TraceDidChangeParams(val version: Int = 0, val ids: List<String>? = null)

class ServerInfoResult(val version: String? = null, val files: Int = 0, val indexing: Boolean = false, val watcher: String? = null)
