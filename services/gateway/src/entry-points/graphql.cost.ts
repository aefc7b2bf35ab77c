// What one GraphQL operation may ask for, checked before any resolver runs, so
// that one request cannot fan out into thousands of probes or full-table
// counts (a 64 KiB query holds thousands of aliases). Three limits, each a
// 400 QUERY_TOO_COMPLEX:
//
// - aliases in the document (GRAPHQL_MAX_ALIASES) and root fields of an
//   operation (GRAPHQL_MAX_ROOT_FIELDS): counted before the query is even
//   validated, since validating a huge query is work too;
// - cost (GRAPHQL_MAX_COST), computed with graphql-query-complexity from the
//   operation and its variables: each root field weighs what it costs behind
//   the gateway (a lookup 2, the analytics counts 50, the reconciler 200, a
//   repair 500), every object below it 1, scalars nothing, and a field with a
//   `limit` argument counts what it selects `limit` times.
//
// The UI's own operations all pass (graphql-cost.test.ts runs each of them
// through these checks).
import { getNamedType, GraphQLError, isLeafType, Kind, visit, type DocumentNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { AppError } from '@polyglot/platform/errors';

export interface CostLimits {
  maxCost: number;
  maxAliases: number;
  maxRootFields: number;
}

/** Root fields by what they cost behind the gateway; those not listed cost their type's default. */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  'Query.users': 20,
  'Query.user': 2,
  'Query.me': 2,
  'Query.posts': 5,
  'Query.post': 2,
  'Query.comments': 5,
  'Query.feed': 10,
  'Query.relationships': 20,
  'Query.analytics': 50,
  'Query.cacheStatus': 5,
  'Query.health': 20,
  'Query.deadLetters': 10,
  'Query.consistency': 2,
  'Query.trace': 5,
  'Query.labExperiments': 10,
  'Query.faults': 20,
  'Query.reconcile': 200,
  'Mutation.runLabExperiment': 200,
  'Mutation.unitAction': 100,
  'Mutation.repair': 500,
};
const ROOT_DEFAULT_COSTS: Readonly<Record<string, number>> = { Query: 5, Mutation: 10, Subscription: 10 };

const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const rootDefault = ROOT_DEFAULT_COSTS[type.name];
  const own = rootDefault !== undefined ? (FIELD_COSTS[`${type.name}.${field.name}`] ?? rootDefault) : isLeafType(getNamedType(field.type)) ? 0 : 1;
  const times = typeof args.limit === 'number' && args.limit > 1 ? args.limit : 1;
  return own + times * childComplexity;
};

function tooComplex(message: string): AppError {
  const error = new AppError('QUERY_TOO_COMPLEX', message);
  // A subscription's refusal is sent without the errorFormatter: graphql-js takes the code from here (graphql.errors.ts).
  return Object.assign(error, { extensions: { code: error.code } });
}

/** The fields an operation asks for at its root, fragments included (a fragment spread twice counts twice). */
function rootFieldCount(document: DocumentNode, selections: SelectionSetNode, seen: ReadonlySet<string> = new Set()): number {
  let count = 0;
  for (const selection of selections.selections) {
    if (selection.kind === Kind.FIELD) count++;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += rootFieldCount(document, selection.selectionSet, seen);
    else {
      const name = selection.name.value;
      // A fragment that spreads itself is refused by validation; here it must only not loop.
      if (seen.has(name)) continue;
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === name);
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) count += rootFieldCount(document, fragment.selectionSet, new Set([...seen, name]));
    }
  }
  return count;
}

/** Aliases and root fields: only the document is needed, so this runs before validation. */
export function checkShape(document: DocumentNode, limits: CostLimits): void {
  let aliases = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases++;
    },
  });
  if (aliases > limits.maxAliases) {
    throw tooComplex(`the query has ${aliases} aliases; at most ${limits.maxAliases} are allowed (GRAPHQL_MAX_ALIASES): ask for less, or split it into several requests`);
  }
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const fields = rootFieldCount(document, definition.selectionSet);
    if (fields > limits.maxRootFields) {
      throw tooComplex(
        `the ${definition.operation}${definition.name ? ` ${definition.name.value}` : ''} asks for ${fields} root fields; at most ${limits.maxRootFields} are allowed (GRAPHQL_MAX_ROOT_FIELDS): split it into several requests`,
      );
    }
  }
}

/** The operation's cost with its variables; refused past maxCost. */
export function checkCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined, limits: CostLimits): number {
  let cost: number;
  try {
    cost = getComplexity({ schema, query: document, variables: variables ?? {}, ...(operationName ? { operationName } : {}), estimators: [estimator] });
  } catch (error) {
    if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message)) {
      throw tooComplex('the query has more fields than can be counted; ask for less, or split it into several requests');
    }
    // Variables that do not fit the operation: refused as execution would refuse them, before anything runs.
    throw error;
  }
  if (cost > limits.maxCost) {
    throw tooComplex(
      `the query costs ${cost}; at most ${limits.maxCost} is allowed (GRAPHQL_MAX_COST). Each root field costs what it makes the gateway do (analytics 50, health 20, a list times its limit): ask for less, or split it into several requests`,
    );
  }
  return cost;
}
