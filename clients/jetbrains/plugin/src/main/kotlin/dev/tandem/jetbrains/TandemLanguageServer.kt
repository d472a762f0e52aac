package dev.tandem.jetbrains

import org.eclipse.lsp4j.jsonrpc.services.JsonRequest
import org.eclipse.lsp4j.services.LanguageServer
import java.util.concurrent.CompletableFuture

/** The server's `tandem/*` requests, on top of standard LSP; LSP4IJ builds the proxy from it. */
interface TandemLanguageServer : LanguageServer {
    @JsonRequest("tandem/requirements")
    fun requirements(params: RequirementsParams): CompletableFuture<RequirementsResult>

    @JsonRequest("tandem/trace")
    fun trace(params: TraceParams): CompletableFuture<RequirementTrace?>

    @JsonRequest("tandem/traceAt")
    fun traceAt(params: TraceAtParams): CompletableFuture<TraceAtResult>

    @JsonRequest("tandem/coverage")
    fun coverage(params: CoverageParams): CompletableFuture<CoverageResult>

    @JsonRequest("tandem/serverInfo")
    fun serverInfo(): CompletableFuture<ServerInfoResult>
}
