package dev.tandem.jetbrains

import com.intellij.notification.NotificationType
import com.intellij.openapi.actionSystem.AnAction
import com.intellij.openapi.actionSystem.AnActionEvent
import com.intellij.openapi.actionSystem.CommonDataKeys
import com.intellij.openapi.project.DumbAware
import com.intellij.openapi.project.Project
import com.intellij.openapi.ui.Messages
import com.intellij.openapi.wm.ToolWindowManager
import com.redhat.devtools.lsp4ij.LanguageServerManager
import org.eclipse.lsp4j.ExecuteCommandParams
import java.util.concurrent.CompletableFuture

/** The requirement at the caret (asked of the server), else one the user types. */
private fun requirementAt(e: AnActionEvent, project: Project): CompletableFuture<String?> {
    val editor = e.getData(CommonDataKeys.EDITOR)
    val file = e.getData(CommonDataKeys.VIRTUAL_FILE)
    val ask = {
        CompletableFuture.completedFuture(Messages.showInputDialog(project, "Requirement ID:", "Tandem", null))
    }
    if (editor == null || file == null) return ask()
    val caret = editor.caretModel.logicalPosition
    val lineStart = editor.document.getLineStartOffset(caret.line)
    val character = editor.caretModel.offset - lineStart
    return withServer(project) { it.traceAt(TraceAtParams(TextDocumentId(file.url), LspPosition(caret.line, character))) }
        .thenApply { it?.requirements?.firstOrNull()?.id }
}

class ShowTraceAction : AnAction(), DumbAware {
    override fun actionPerformed(e: AnActionEvent) {
        val project = e.project ?: return
        requirementAt(e, project).thenAccept { id ->
            if (id == null) return@thenAccept notify(project, "No requirement at the caret.", NotificationType.WARNING)
            com.intellij.openapi.application.ApplicationManager.getApplication().invokeLater {
                ToolWindowManager.getInstance(project).getToolWindow("Tandem")?.show {
                    TandemViews.INSTANCES[project]?.showTrace(id)
                }
            }
        }
    }
}

class GenerateAction : AnAction(), DumbAware {
    override fun actionPerformed(e: AnActionEvent) {
        val project = e.project ?: return
        requirementAt(e, project).thenAccept { id ->
            if (id == null) return@thenAccept
            val arguments = listOf(mapOf("kind" to "requirement", "requirementId" to id))
            withServer(project) { it.workspaceService.executeCommand(ExecuteCommandParams("tandem.generate", arguments)) }
                .thenAccept { report -> notify(project, "Tandem: generation for $id finished: ${(report as? Map<*, *>)?.get("message") ?: report}") }
        }
    }
}

class RunTestsAction : AnAction(), DumbAware {
    override fun actionPerformed(e: AnActionEvent) {
        val project = e.project ?: return
        withServer(project) { it.workspaceService.executeCommand(ExecuteCommandParams("tandem.runTests", listOf(mapOf("scope" to "all")))) }
            .thenAccept { result -> notify(project, "Tandem: test run: ${(result as? Map<*, *>)?.get("state") ?: result}") }
    }
}

class RestartAction : AnAction(), DumbAware {
    override fun actionPerformed(e: AnActionEvent) {
        val project = e.project ?: return
        val manager = LanguageServerManager.getInstance(project)
        manager.stop(SERVER_ID)
        manager.start(SERVER_ID)
    }
}
