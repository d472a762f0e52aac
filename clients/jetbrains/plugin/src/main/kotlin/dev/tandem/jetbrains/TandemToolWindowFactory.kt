package dev.tandem.jetbrains

import com.intellij.openapi.actionSystem.ActionManager
import com.intellij.openapi.actionSystem.AnAction
import com.intellij.openapi.actionSystem.AnActionEvent
import com.intellij.openapi.actionSystem.DefaultActionGroup
import com.intellij.openapi.actionSystem.ToggleAction
import com.intellij.openapi.application.ApplicationManager
import com.intellij.openapi.project.DumbAware
import com.intellij.openapi.project.Project
import com.intellij.openapi.wm.ToolWindow
import com.intellij.openapi.wm.ToolWindowFactory
import com.intellij.ui.components.JBScrollPane
import com.intellij.ui.components.JBTextArea
import com.intellij.ui.content.ContentFactory
import com.intellij.ui.table.JBTable
import com.intellij.ui.treeStructure.Tree
import com.intellij.icons.AllIcons
import java.awt.BorderLayout
import java.awt.event.MouseAdapter
import java.awt.event.MouseEvent
import javax.swing.JPanel
import javax.swing.table.DefaultTableModel
import javax.swing.tree.DefaultMutableTreeNode
import javax.swing.tree.DefaultTreeModel

/** The Tandem tool window: Requirements, Trace and Coverage tabs, refreshed on `tandem/traceDidChange`. */
class TandemToolWindowFactory : ToolWindowFactory, DumbAware {
    override fun createToolWindowContent(project: Project, toolWindow: ToolWindow) {
        val views = TandemViews(project)
        val factory = ContentFactory.getInstance()
        toolWindow.contentManager.addContent(factory.createContent(views.requirementsPanel, "Requirements", false))
        toolWindow.contentManager.addContent(factory.createContent(views.tracePanel, "Trace", false))
        toolWindow.contentManager.addContent(factory.createContent(views.coveragePanel, "Coverage", false))
        project.messageBus.connect(toolWindow.disposable).subscribe(TraceChangedListener.TOPIC, TraceChangedListener { views.refresh() })
        views.refresh()
    }
}

/** The three views and how they fill themselves from the server. */
class TandemViews(private val project: Project) {
    private var gapsOnly = false
    private var traceId: String? = null
    private var rows: List<RequirementSummary> = emptyList()

    private val tableModel = object : DefaultTableModel(arrayOf("ID", "Status", "Impl", "Tests", "Defects", "Title"), 0) {
        override fun isCellEditable(row: Int, column: Int) = false
    }
    private val table = JBTable(tableModel)
    private val traceRoot = DefaultMutableTreeNode("Pick a requirement")
    private val traceTree = Tree(DefaultTreeModel(traceRoot))
    private val coverageText = JBTextArea().apply { isEditable = false }

    val requirementsPanel = JPanel(BorderLayout())
    val tracePanel = JPanel(BorderLayout()).apply { add(JBScrollPane(traceTree), BorderLayout.CENTER) }
    val coveragePanel = JPanel(BorderLayout()).apply { add(JBScrollPane(coverageText), BorderLayout.CENTER) }

    init {
        val toolbarActions = DefaultActionGroup(
            object : AnAction("Refresh", "Ask the server again", AllIcons.Actions.Refresh), DumbAware {
                override fun actionPerformed(e: AnActionEvent) = refresh()
            },
            object : ToggleAction("Only Gaps", "Show only requirements that are not covered or have defects", AllIcons.General.Filter), DumbAware {
                override fun isSelected(e: AnActionEvent) = gapsOnly
                override fun setSelected(e: AnActionEvent, state: Boolean) {
                    gapsOnly = state
                    refresh()
                }
            },
        )
        val toolbar = ActionManager.getInstance().createActionToolbar("TandemRequirements", toolbarActions, true)
        toolbar.targetComponent = table
        requirementsPanel.add(toolbar.component, BorderLayout.NORTH)
        requirementsPanel.add(JBScrollPane(table), BorderLayout.CENTER)
        table.addMouseListener(object : MouseAdapter() {
            override fun mouseClicked(e: MouseEvent) {
                val summary = rows.getOrNull(table.selectedRow) ?: return
                if (e.clickCount == 2) navigate(project, summary.location) else showTrace(summary.id ?: return)
            }
        })
        traceTree.addMouseListener(object : MouseAdapter() {
            override fun mouseClicked(e: MouseEvent) {
                if (e.clickCount != 2) return
                val entry = (traceTree.lastSelectedPathComponent as? DefaultMutableTreeNode)?.userObject as? TraceEntry ?: return
                navigate(project, entry.location)
            }
        })
        INSTANCES[project] = this
    }

    fun refresh() {
        withServer(project) { it.requirements(RequirementsParams(gapsOnly)) }.thenAccept { result ->
            ui {
                rows = result?.requirements.orEmpty()
                tableModel.rowCount = 0
                for (row in requirementRows(result)) {
                    tableModel.addRow(arrayOf(row.id, row.status, row.implementations, row.tests, row.defects, row.title))
                }
            }
        }
        traceId?.let { showTrace(it) }
        withServer(project) { it.coverage(CoverageParams()) }.thenAccept { coverage ->
            ui { coverageText.text = coverage?.let { coverageLines(it).joinToString("\n") } ?: "The Tandem server is not running." }
        }
    }

    fun showTrace(id: String) {
        traceId = id
        withServer(project) { it.trace(TraceParams(id)) }.thenAccept { trace ->
            ui {
                traceRoot.removeAllChildren()
                if (trace == null) {
                    traceRoot.userObject = "No requirement has the ID $id"
                } else {
                    val summary = trace.requirement
                    traceRoot.userObject = "${summary?.id} ${summary?.title} [${summary?.status}]"
                    val base = project.basePath?.let { "file://$it/" }
                    for ((heading, entries) in traceSections(trace) { uri -> if (base != null && uri.startsWith(base)) uri.removePrefix(base) else uri }) {
                        val section = DefaultMutableTreeNode("$heading (${entries.size})")
                        entries.forEach { section.add(DefaultMutableTreeNode(it)) }
                        traceRoot.add(section)
                    }
                }
                (traceTree.model as DefaultTreeModel).reload()
                for (i in 0 until traceTree.rowCount) traceTree.expandRow(i)
            }
        }
    }

    private fun ui(block: () -> Unit) = ApplicationManager.getApplication().invokeLater(block)

    companion object {
        /** The views of each open project, for the actions. */
        val INSTANCES = java.util.WeakHashMap<Project, TandemViews>()
    }
}
