// The GraphQL schema's text (SDL), written from zod schemas: each GraphQL type
// is the zod schema the REST API answers (or takes) under a name, so a shape is
// written once. graphql.schema.ts names the types and declares the operations;
// this file turns them into SDL and into the resolvers the shapes imply.
//
// How a zod schema becomes a GraphQL type:
// - string → String; boolean → Boolean; a number → Float, an integer → Int when
//   its bounds fit 32 bits, else SafeInt; an enum → the named enum with the same
//   values, else String; an object → the object type named for it (an object
//   without a name is an error that says where to name it);
// - optional or nullable → the type without !; an array → [T!] (or [T]);
// - a record (a map whose keys are data) → a list of entries: the key as a field,
//   then the value's fields (or the value as one field); the field resolver that
//   turns the map into the list is made here too, so resolvers answer REST's shape;
// - what the definition declares opaque (user-defined maps such as a post's meta)
//   → the JSON scalar; anything else untyped is an error.
import type { z } from 'zod';

type Def = z.core.$ZodTypeDef & Record<string, any>;
const defOf = (schema: z.ZodType): Def => schema._zod.def as Def;

/** A record shown as a list of entries. */
export interface EntriesOf {
  /** The entry type's name. */
  entry: string;
  /** The field that holds the record's key. */
  key: string;
  /** The field that holds the value, when the value is not an object (or may be null). */
  value?: string;
}

/** An operation: what it answers, its arguments (as GraphQL passes them) and what it does. */
export interface Operation {
  type: z.ZodType;
  args?: z.ZodObject;
  description?: string;
}

export interface GraphQLDefinition {
  /** Scalars beside GraphQL's own, with what they are. */
  scalars: Record<string, string>;
  enums: Record<string, { values: readonly string[]; description?: string }>;
  /** Object types (what is answered), by name; their fields are the schema's. */
  objects: Record<string, z.ZodType>;
  /** Input types (what is taken), by name. */
  inputs: Record<string, z.ZodType>;
  /** Records, by the record schema: how each is listed. */
  records: Array<[z.ZodType, EntriesOf]>;
  /** Fields of another scalar than their zod type says (ids: ID), by the field's schema. */
  fieldScalars: Array<[z.ZodType, string]>;
  /** Kept whole, as the JSON scalar: user-defined maps only. */
  opaque: z.ZodType[];
  roots: { Query: Record<string, Operation>; Mutation: Record<string, Operation>; Subscription: Record<string, Operation> };
  /** Said at the head of each root type. */
  rootDescriptions: Partial<Record<'Query' | 'Mutation' | 'Subscription', string>>;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

function unwrapped(schema: z.ZodType): Def {
  let def = defOf(schema);
  while (WRAPPERS.has(def.type)) def = defOf(def.innerType);
  return def;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const INT32_MAX = 2 ** 31 - 1;

type Mode = 'output' | 'input';
type FieldResolver = (parent: Record<string, unknown>) => unknown;

interface Built {
  sdl: string;
  /** Type name → field → resolver, for the records shown as lists. */
  resolvers: Record<string, Record<string, FieldResolver>>;
}

function description(text: string | undefined, indent = ''): string {
  if (!text) return '';
  // A block string reads best; one that ends in a quote or holds a backslash is written as a plain string.
  const plain = text.endsWith('"') || text.includes('"""') || text.includes('\\');
  return `${indent}${plain ? JSON.stringify(text) : `"""${text}"""`}\n`;
}

function describedBy(schema: z.ZodType): string | undefined {
  return schema.description;
}

/** The entries of a record, as its GraphQL list: {key, ...value} or {key, value}. */
function entriesOf(map: unknown, how: EntriesOf): unknown[] | null {
  if (map === null || map === undefined) return null;
  return Object.entries(map as Record<string, unknown>).map(([key, value]) => (how.value ? { [how.key]: key, [how.value]: value } : { [how.key]: key, ...(value as object) }));
}

export function buildSdl(definition: GraphQLDefinition): Built {
  const names = new Map<Def, { name: string; mode: Mode }>();
  for (const [name, schema] of Object.entries(definition.objects)) names.set(defOf(schema), { name, mode: 'output' });
  for (const [name, schema] of Object.entries(definition.inputs)) names.set(defOf(schema), { name, mode: 'input' });
  // Named by the schema inside any optional, nullable or default: the same map wherever it is used.
  const records = new Map(definition.records.map(([schema, how]) => [unwrapped(schema), how]));
  const fieldScalars = new Map(definition.fieldScalars.map(([schema, scalar]) => [unwrapped(schema), scalar]));
  const opaque = new Set(definition.opaque.map(unwrapped));
  const enumByValues = new Map(Object.entries(definition.enums).map(([name, e]) => [[...e.values].sort().join('\n'), name]));

  const blocks: string[] = [];
  const resolvers: Built['resolvers'] = {};
  const emitted = new Set<string>();

  /** The GraphQL type of a schema, nullable or not; emits the entry types it needs. */
  function typeOf(schema: z.ZodType, mode: Mode, where: string): { type: string; nullable: boolean } {
    let def = defOf(schema);
    let nullable = false;
    for (;;) {
      const scalar = fieldScalars.get(def);
      if (scalar) return { type: scalar, nullable };
      if (opaque.has(def)) return { type: 'JSON', nullable };
      switch (def.type) {
        case 'optional':
          nullable = true;
          def = defOf(def.innerType);
          continue;
        case 'nullable':
          nullable = true;
          def = defOf(def.innerType);
          continue;
        case 'default':
        case 'prefault':
          // A default makes the field optional to give; it is always there in what is answered.
          if (mode === 'input') nullable = true;
          def = defOf(def.innerType);
          continue;
        case 'readonly':
        case 'catch':
        case 'nonoptional':
          def = defOf(def.innerType);
          continue;
        case 'pipe':
          def = defOf(mode === 'input' ? def.in : def.out);
          continue;
        case 'lazy':
          def = defOf(def.getter());
          continue;
        default:
          break;
      }
      break;
    }
    const named = names.get(def);
    if (named) {
      if (named.mode !== mode) throw new Error(`GraphQL: ${where} is the ${named.mode} type ${named.name}, used as ${mode}`);
      return { type: named.name, nullable };
    }
    switch (def.type) {
      case 'string':
        return { type: 'String', nullable };
      case 'boolean':
        return { type: 'Boolean', nullable };
      case 'number': {
        const bounds = numberBounds(def);
        if (!bounds.integer) return { type: 'Float', nullable };
        return { type: bounds.minimum >= -INT32_MAX - 1 && bounds.maximum <= INT32_MAX ? 'Int' : 'SafeInt', nullable };
      }
      case 'enum': {
        const values = Object.values(def.entries as Record<string, string>);
        const name = enumByValues.get([...values].sort().join('\n'));
        return { type: name ?? 'String', nullable };
      }
      case 'literal': {
        const values = def.values as unknown[];
        if (values.every((v) => typeof v === 'string')) return { type: 'String', nullable };
        if (values.every((v) => typeof v === 'boolean')) return { type: 'Boolean', nullable };
        break;
      }
      case 'union': {
        const options = (def.options as z.ZodType[]).filter((o) => defOf(o).type !== 'null');
        const types = new Set(options.map((o) => typeOf(o, mode, where)).map((t) => t.type));
        if (types.size === 1) return { type: [...types][0]!, nullable: nullable || options.length < (def.options as unknown[]).length };
        break;
      }
      case 'array': {
        const element = typeOf(def.element, mode, `${where}[]`);
        return { type: `[${element.type}${element.nullable ? '' : '!'}]`, nullable };
      }
      case 'record': {
        const how = records.get(def);
        if (!how) break;
        if (mode === 'input') throw new Error(`GraphQL: ${where} is a record, which only answers may hold`);
        emitEntry(def, how, where);
        return { type: `[${how.entry}!]`, nullable };
      }
      case 'object':
        throw new Error(`GraphQL: ${where} is an object without a name; name it in graphql.schema.ts (objects or inputs)`);
      default:
        break;
    }
    throw new Error(`GraphQL: ${where} (${def.type}) has no GraphQL type; type it in its zod schema (or, for a user-defined map, declare it opaque in graphql.schema.ts)`);
  }

  /** Whether a number is an integer, and its bounds, from its checks. */
  function numberBounds(def: Def): { integer: boolean; minimum: number; maximum: number } {
    let integer = false;
    let minimum = -Infinity;
    let maximum = Infinity;
    for (const check of (def.checks ?? []) as Array<{ _zod: { def: Record<string, any> } }>) {
      const c = check._zod.def;
      if (c.check === 'number_format' && String(c.format).includes('int')) {
        integer = true;
        const limit = c.format === 'int32' ? INT32_MAX : Number.MAX_SAFE_INTEGER;
        minimum = Math.max(minimum, -limit);
        maximum = Math.min(maximum, limit);
      }
      if (c.check === 'greater_than') minimum = Math.max(minimum, c.value);
      if (c.check === 'less_than') maximum = Math.min(maximum, c.value);
    }
    return { integer, minimum, maximum };
  }

  function fieldsOf(def: Def, mode: Mode, typeName: string): string[] {
    if (def.type !== 'object') throw new Error(`GraphQL: ${typeName} is named for a ${def.type}, not an object`);
    return Object.entries(def.shape as Record<string, z.ZodType>).map(([field, schema]) => {
      if (!NAME.test(field)) throw new Error(`GraphQL: ${typeName}.${field} is not a GraphQL name`);
      const { type, nullable } = typeOf(schema, mode, `${typeName}.${field}`);
      const how = records.get(unwrapped(schema));
      if (how && mode === 'output') (resolvers[typeName] ??= {})[field] = (parent) => entriesOf(parent[field], how);
      return `${description(describedBy(schema), '  ')}  ${field}: ${type}${nullable ? '' : '!'}`;
    });
  }

  function emitEntry(def: Def, how: EntriesOf, where: string): void {
    if (emitted.has(how.entry)) return;
    emitted.add(how.entry);
    const key = typeOf(def.keyType, 'output', `${where} (key)`);
    const lines = [`  ${how.key}: ${key.type}!`];
    if (how.value) {
      const value = typeOf(def.valueType, 'output', `${where} (value)`);
      lines.push(`  ${how.value}: ${value.type}${value.nullable ? '' : '!'}`);
    } else {
      lines.push(...fieldsOf(unwrapped(def.valueType), 'output', how.entry));
    }
    blocks.push(`${description(describedBy(def.valueType as z.ZodType))}type ${how.entry} {\n${lines.join('\n')}\n}`);
  }

  function literal(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
    if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${k}: ${literal(v)}`).join(', ')}}`;
    return JSON.stringify(value);
  }

  function argsOf(args: z.ZodObject | undefined, where: string): string {
    if (!args) return '';
    const list = Object.entries(args.shape as Record<string, z.ZodType>).map(([name, schema]) => {
      const { type, nullable } = typeOf(schema, 'input', `${where}(${name})`);
      const d = defOf(schema);
      const fallback = d.type === 'default' ? ` = ${literal(typeof d.defaultValue === 'function' ? d.defaultValue() : d.defaultValue)}` : '';
      return `${name}: ${type}${nullable ? '' : '!'}${fallback}`;
    });
    return list.length > 0 ? `(${list.join(', ')})` : '';
  }

  for (const [name, what] of Object.entries(definition.scalars)) blocks.push(`${description(what)}scalar ${name}`);
  for (const [name, e] of Object.entries(definition.enums)) blocks.push(`${description(e.description)}enum ${name} {\n${e.values.map((v) => `  ${v}`).join('\n')}\n}`);
  for (const [name, schema] of Object.entries(definition.objects)) {
    const fields = fieldsOf(defOf(schema), 'output', name);
    blocks.push(`${description(describedBy(schema))}type ${name} {\n${fields.join('\n')}\n}`);
  }
  for (const [name, schema] of Object.entries(definition.inputs)) {
    const fields = fieldsOf(defOf(schema), 'input', name);
    blocks.push(`${description(describedBy(schema))}input ${name} {\n${fields.join('\n')}\n}`);
  }
  for (const root of ['Query', 'Mutation', 'Subscription'] as const) {
    const fields = Object.entries(definition.roots[root]).map(([field, op]) => {
      const { type, nullable } = typeOf(op.type, 'output', `${root}.${field}`);
      return `${description(op.description, '  ')}  ${field}${argsOf(op.args, `${root}.${field}`)}: ${type}${nullable ? '' : '!'}`;
    });
    blocks.push(`${description(definition.rootDescriptions[root])}type ${root} {\n${fields.join('\n')}\n}`);
  }
  return { sdl: `${blocks.join('\n\n')}\n`, resolvers };
}
