package dev.tandem.jetbrains

import com.intellij.openapi.project.Project
import com.intellij.util.messages.Topic
import com.redhat.devtools.lsp4ij.LanguageServerFactory
import com.redhat.devtools.lsp4ij.client.LanguageClientImpl
import com.redhat.devtools.lsp4ij.server.ProcessStreamConnectionProvider
import com.redhat.devtools.lsp4ij.server.StreamConnectionProvider
import org.eclipse.lsp4j.jsonrpc.services.JsonNotification
import org.eclipse.lsp4j.services.LanguageServer

/** Published on the project's message bus when the server sends `tandem/traceDidChange`. */
fun interface TraceChangedListener {
    fun traceChanged(version: Int)

    companion object {
        @JvmField
        val TOPIC: Topic<TraceChangedListener> = Topic.create("Tandem trace changed", TraceChangedListener::class.java)
    }
}

/** Registered on `com.redhat.devtools.lsp4ij.server` (plugin.xml): how LSP4IJ starts and talks to Tandem. */
class TandemServerFactory : LanguageServerFactory {
    override fun createConnectionProvider(project: Project): StreamConnectionProvider = TandemConnectionProvider(project)

    override fun createLanguageClient(project: Project): LanguageClientImpl = TandemLanguageClient(project)

    override fun getServerInterface(): Class<out LanguageServer> = TandemLanguageServer::class.java
}

/** Starts `tandem-ls --stdio` (or the configured command) in the project folder. */
class TandemConnectionProvider(project: Project) : ProcessStreamConnectionProvider() {
    init {
        commands = TandemSettings.getInstance().serverCommand()
        workingDirectory = project.basePath
    }
}

/** Forwards `tandem/traceDidChange` to the tool window through the message bus. */
class TandemLanguageClient(project: Project) : LanguageClientImpl(project) {
    @JsonNotification("tandem/traceDidChange")
    fun traceDidChange(params: TraceDidChangeParams) {
        if (!project.isDisposed) project.messageBus.syncPublisher(TraceChangedListener.TOPIC).traceChanged(params.version)
    }
}
