package dev.tandem.jetbrains

import com.intellij.openapi.application.ApplicationManager
import com.intellij.openapi.components.PersistentStateComponent
import com.intellij.openapi.components.State
import com.intellij.openapi.components.Storage
import com.intellij.openapi.options.Configurable
import com.intellij.openapi.util.SystemInfo
import com.intellij.ui.components.JBTextField
import com.intellij.util.ui.FormBuilder
import javax.swing.JComponent

/** Where the server is: empty means `tandem-ls` on PATH. Tandem's own settings live in tandem.json. */
@State(name = "TandemSettings", storages = [Storage("tandem.xml")])
class TandemSettings : PersistentStateComponent<TandemSettings.Data> {
    class Data {
        var serverPath: String = ""
    }

    private var data = Data()

    override fun getState(): Data = data

    override fun loadState(state: Data) {
        data = state
    }

    var serverPath: String
        get() = data.serverPath
        set(value) {
            data.serverPath = value
        }

    /** The command line: the configured path (`.js` files run with node), else tandem-ls from PATH. */
    fun serverCommand(): List<String> {
        val configured = serverPath.trim()
        return when {
            configured.endsWith(".js") -> listOf("node", configured, "--stdio")
            configured.isNotEmpty() -> listOf(configured, "--stdio")
            SystemInfo.isWindows -> listOf("cmd", "/c", "tandem-ls.cmd", "--stdio")
            else -> listOf("tandem-ls", "--stdio")
        }
    }

    companion object {
        fun getInstance(): TandemSettings = ApplicationManager.getApplication().getService(TandemSettings::class.java)
    }
}

/** Settings → Tools → Tandem. */
class TandemConfigurable : Configurable {
    private val pathField = JBTextField()

    override fun getDisplayName(): String = "Tandem"

    override fun createComponent(): JComponent =
        FormBuilder.createFormBuilder()
            .addLabeledComponent("Server (empty: tandem-ls on PATH; a .js file runs with node):", pathField)
            .addComponentFillVertically(javax.swing.JPanel(), 0)
            .panel

    override fun isModified(): Boolean = pathField.text != TandemSettings.getInstance().serverPath

    override fun apply() {
        TandemSettings.getInstance().serverPath = pathField.text
    }

    override fun reset() {
        pathField.text = TandemSettings.getInstance().serverPath
    }
}
