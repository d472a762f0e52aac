package dev.tandem.jetbrains

/*
 * Rows and lines of the tool window, from the server's answers. Plain functions without Swing, so
 * the formatting stays in one place.
 */

val statuses = listOf("unimplemented", "untested", "failing", "covered", "verified")

/** A row of the requirements table. */
data class RequirementRow(val id: String, val status: String, val implementations: Int, val tests: Int, val defects: String, val title: String)

fun requirementRows(result: RequirementsResult?): List<RequirementRow> =
    result?.requirements.orEmpty().map {
        RequirementRow(it.id ?: "", it.status ?: "", it.implementations, it.tests, it.defects.orEmpty().joinToString(", "), it.title ?: "")
    }

/** One line of the trace tree: a label and the place it leads to. */
data class TraceEntry(val label: String, val location: LspLocation?)

/** The sections of a trace: heading → entries. */
fun traceSections(trace: RequirementTrace, relative: (String) -> String): List<Pair<String, List<TraceEntry>>> {
    fun place(location: LspLocation?): String = location?.uri?.let { "${relative(it)}:${(location.range?.start?.line ?: 0) + 1}" } ?: ""
    fun link(link: TraceLink): TraceEntry {
        val name = link.testName ?: link.symbol
        val result = link.result?.let { " [${it.outcome}${if (it.stale) ", stale" else ""}]" } ?: ""
        return TraceEntry(listOfNotNull(name, place(link.location)).joinToString("  ") + result, link.location)
    }
    return listOf(
        "Definition" to trace.definitions.orEmpty().map { TraceEntry(place(it), it) },
        "Code coverage" to listOfNotNull(trace.requirement?.codeCoverage?.takeIf { it.total > 0 }?.let {
            TraceEntry("${it.covered * 100 / it.total}% of its code (${it.covered}/${it.total} lines${if (it.scope == "run") ", run" else ""})", null)
        }),
        "Implementations" to trace.implementations.orEmpty().map(::link),
        "Tests" to trace.tests.orEmpty().map(::link),
        "Defects" to trace.defects.orEmpty().map { TraceEntry("${it.kind}: ${it.message}", it.location) },
    ).filter { (heading, entries) -> (heading != "Defects" && heading != "Code coverage") || entries.isNotEmpty() }
}

fun coverageLines(coverage: CoverageResult): List<String> {
    fun counts(byStatus: Map<String, Int>?) = statuses.joinToString(", ") { "$it ${byStatus?.get(it) ?: 0}" }
    return listOf(
        "${coverage.total} requirements, ${Math.round(coverage.coveredRatio * 100)}% covered",
        "By status: ${counts(coverage.byStatus)}",
    ) + coverage.byArtifactType.orEmpty().toSortedMap().map { (type, c) -> "  $type (${c.total}): ${counts(c.byStatus)}" } +
        listOf("Requirements with defects: ${coverage.defective}", "Tags naming unknown IDs: ${coverage.unknownIdTags}")
}
