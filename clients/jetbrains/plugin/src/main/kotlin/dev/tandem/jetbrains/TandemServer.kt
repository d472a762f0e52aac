package dev.tandem.jetbrains

import com.intellij.notification.NotificationGroupManager
import com.intellij.notification.NotificationType
import com.intellij.openapi.application.ApplicationManager
import com.intellij.openapi.fileEditor.OpenFileDescriptor
import com.intellij.openapi.project.Project
import com.intellij.openapi.vfs.VirtualFileManager
import com.redhat.devtools.lsp4ij.LanguageServerManager
import java.util.concurrent.CompletableFuture

/** The id of the server in plugin.xml and in LSP4IJ's settings and consoles. */
const val SERVER_ID = "tandem"

/** Runs `call` on the project's Tandem server once it is started; null when it cannot start. */
fun <T> withServer(project: Project, call: (TandemLanguageServer) -> CompletableFuture<T>): CompletableFuture<T?> =
    LanguageServerManager.getInstance(project).getLanguageServer(SERVER_ID).thenCompose { item ->
        val server = item?.server as? TandemLanguageServer
        if (server == null) CompletableFuture.completedFuture(null) else call(server).thenApply { it }
    }

/** Opens a location of the protocol in an editor, on the UI thread. */
fun navigate(project: Project, location: LspLocation?) {
    val uri = location?.uri ?: return
    val start = location.range?.start ?: LspPosition()
    ApplicationManager.getApplication().invokeLater {
        val file = VirtualFileManager.getInstance().findFileByUrl(uri) ?: return@invokeLater
        // LSP characters are UTF-16 units, as are Java string offsets.
        OpenFileDescriptor(project, file, start.line, start.character).navigate(true)
    }
}

fun notify(project: Project, message: String, type: NotificationType = NotificationType.INFORMATION) {
    NotificationGroupManager.getInstance().getNotificationGroup("Tandem")?.createNotification(message, type)?.notify(project)
}
