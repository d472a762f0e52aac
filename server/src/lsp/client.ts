/**
 * The ClientSeam over a real LSP connection: what the client can do decides how each call is
 * carried out (work-done progress or log lines, code lens refresh or nothing).
 */
import {
  CancellationTokenSource,
  MessageType,
  type CancellationToken,
  type ClientCapabilities,
  type Connection,
  type ProgressToken,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { ClientSeam, ProgressReporter } from '../context';

export class ConnectionClient implements ClientSeam {
  constructor(
    private readonly connection: Connection,
    private readonly capabilities: () => ClientCapabilities,
    /** Moves every position of an edit inside the document it edits (the server's position edge). */
    private readonly inside: (edit: WorkspaceEdit) => WorkspaceEdit = (edit) => edit,
  ) {}

  publishDiagnostics(uri: string, diagnostics: import('vscode-languageserver').Diagnostic[], version?: number): void {
    void this.connection.sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, version, diagnostics });
  }

  async applyEdit(label: string, edit: WorkspaceEdit): Promise<{ applied: boolean; failureReason?: string }> {
    if (!this.capabilities().workspace?.applyEdit) {
      return { applied: false, failureReason: 'the editor cannot apply edits from the server (workspace.applyEdit)' };
    }
    const result = await this.connection.workspace.applyEdit({ label, edit: adaptEdit(this.inside(edit), this.capabilities()) });
    return { applied: result.applied, failureReason: result.failureReason };
  }

  /** A plain `window/showMessage` notification: no actions, so no editor waits for an answer. */
  showMessage(type: 'error' | 'warning' | 'info', message: string): void {
    const messageType = { error: MessageType.Error, warning: MessageType.Warning, info: MessageType.Info }[type];
    void this.connection.sendNotification('window/showMessage', { type: messageType, message });
  }

  log(level: 'error' | 'warning' | 'info' | 'log', message: string): void {
    const type = { error: MessageType.Error, warning: MessageType.Warning, info: MessageType.Info, log: MessageType.Log }[level];
    void this.connection.sendNotification('window/logMessage', { type, message });
  }

  async beginProgress(title: string, workDoneToken?: ProgressToken, cancellable = false): Promise<ProgressReporter> {
    const supportsProgress = this.capabilities().window?.workDoneProgress === true;
    if (workDoneToken !== undefined) {
      const reporter = this.connection.window.attachWorkDoneProgress(workDoneToken);
      const source = new CancellationTokenSource();
      reporter.begin(title, 0, undefined, cancellable);
      return wrap(reporter, source.token);
    }
    if (supportsProgress) {
      try {
        const reporter = await this.connection.window.createWorkDoneProgress();
        reporter.begin(title, 0, undefined, cancellable);
        return wrap(reporter, reporter.token);
      } catch {
        // The client refused a progress token: fall back to log lines.
      }
    }
    return this.logProgress(title);
  }

  /** Progress for clients without work-done progress: a log line at the start, on each step and at the end. */
  private logProgress(title: string): ProgressReporter {
    this.log('info', `${title}…`);
    const source = new CancellationTokenSource();
    return {
      token: source.token,
      report: (message, percentage) => this.log('log', `${title}: ${message}${percentage !== undefined ? ` (${percentage}%)` : ''}`),
      done: (message) => this.log('info', `${title}: ${message ?? 'done'}`),
    };
  }

  sendNotification(method: string, params: unknown): void {
    void this.connection.sendNotification(method, params);
  }

  refreshCodeLenses(): void {
    if (this.capabilities().workspace?.codeLens?.refreshSupport) void this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }
}

/**
 * Rewrites an edit into what the client says it can apply: without resource operations, files are
 * created by editing them (editors open a new buffer for a missing file); without
 * `documentChanges`, the plain `changes` map; without change annotation support, no annotations.
 */
export function adaptEdit(edit: WorkspaceEdit, capabilities: ClientCapabilities): WorkspaceEdit {
  const support = capabilities.workspace?.workspaceEdit;
  if (!edit.documentChanges) return edit;
  const annotations = support?.changeAnnotationSupport !== undefined;
  const strip = <T extends object>(textEdit: T): T => {
    if (annotations || !('annotationId' in textEdit)) return textEdit;
    const { annotationId: _dropped, ...rest } = textEdit as T & { annotationId?: string };
    return rest as T;
  };
  if (support?.documentChanges) {
    const operations = new Set(support.resourceOperations ?? []);
    const documentChanges = edit.documentChanges
      .filter((change) => !('kind' in change) || operations.has(change.kind))
      .map((change) => ('kind' in change ? change : { ...change, edits: change.edits.map(strip) }));
    return annotations ? { ...edit, documentChanges } : { documentChanges };
  }
  const changes: NonNullable<WorkspaceEdit['changes']> = {};
  for (const change of edit.documentChanges) {
    if ('kind' in change) continue;
    (changes[change.textDocument.uri] ??= []).push(
      ...change.edits.map((textEdit) => ({ range: textEdit.range, newText: 'newText' in textEdit ? textEdit.newText : textEdit.snippet.value })),
    );
  }
  return { changes };
}

function wrap(
  reporter: { report(percentage: number, message?: string): void; report(message: string): void; done(): void },
  token: CancellationToken,
): ProgressReporter {
  let finished = false;
  return {
    token,
    report: (message, percentage) => {
      if (finished) return;
      if (percentage !== undefined) reporter.report(percentage, message);
      else reporter.report(message);
    },
    done: (message) => {
      if (finished) return;
      finished = true;
      // The end notification carries no message in this library's reporter: say it in a last report.
      if (message) reporter.report(message);
      reporter.done();
    },
  };
}
