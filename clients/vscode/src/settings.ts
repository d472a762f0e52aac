/**
 * The editor's share of Tandem's settings. The server merges defaults, then `tandem.json` at the
 * workspace root, then the editor's `tandem` section, later winning; so the editor must send only
 * what the user actually set, never the defaults VS Code fills in for every declared key (they
 * would silently override `tandem.json`). Pure: takes what `WorkspaceConfiguration.inspect`
 * reports per key.
 */

/** What `inspect(key)` reports for one key, reduced to the scopes a user can set. */
export interface InspectedSetting {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * The settings the user set, as the nested object the server reads: `trace.idPattern` becomes
 * `{ trace: { idPattern } }`. The most specific scope wins: folder, then workspace, then user.
 * `keys` are relative to the `tandem` section.
 */
export function explicitSettings(keys: string[], inspect: (key: string) => InspectedSetting | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of keys) {
    const inspected = inspect(key);
    if (!inspected) continue;
    const value =
      inspected.workspaceFolderValue !== undefined
        ? inspected.workspaceFolderValue
        : inspected.workspaceValue !== undefined
          ? inspected.workspaceValue
          : inspected.globalValue;
    if (value === undefined) continue;
    const parts = key.split('.');
    let target = result;
    for (const part of parts.slice(0, -1)) {
      const next = target[part];
      target = (next && typeof next === 'object' ? next : (target[part] = {})) as Record<string, unknown>;
    }
    target[parts[parts.length - 1]] = value;
  }
  return result;
}

/** The keys under `tandem.` that the extension declares (from its package.json `contributes`). */
export function declaredKeys(properties: Record<string, unknown>, section = 'tandem'): string[] {
  return Object.keys(properties)
    .filter((key) => key.startsWith(`${section}.`))
    .map((key) => key.slice(section.length + 1));
}
