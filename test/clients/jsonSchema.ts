/**
 * A small JSON Schema checker for the keywords the client tests use: type, required, properties,
 * additionalProperties (boolean), items, enum, pattern, minLength, minItems. It returns every
 * violation with its JSON path, so a failing test says what is wrong where.
 */
export type Schema = {
  type?: 'object' | 'array' | 'string' | 'number' | 'boolean';
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  minItems?: number;
  [other: string]: unknown;
};

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

export function validate(value: unknown, schema: Schema, at = '$'): string[] {
  const problems: string[] = [];
  if (schema.enum && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (schema.type && typeOf(value) !== schema.type) {
    problems.push(`${at}: expected ${schema.type}, got ${typeOf(value)}`);
    return problems;
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) problems.push(`${at}: ${JSON.stringify(value)} does not match /${schema.pattern}/`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.items) value.forEach((item, index) => problems.push(...validate(item, schema.items!, `${at}[${index}]`)));
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) problems.push(`${at}: missing required ${key}`);
    for (const [key, child] of Object.entries(object)) {
      const childSchema = schema.properties?.[key];
      if (childSchema) problems.push(...validate(child, childSchema, `${at}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${at}: unknown key ${key}`);
    }
  }
  return problems;
}
