// The two scalars the schema adds. SafeInt: GraphQL's Int stops at 2^31 - 1,
// but user ids are bigserial, WAL positions and epoch milliseconds are larger;
// JSON numbers are exact up to 2^53 - 1, so that is the limit. JSON: payloads
// passed through as REST answers them (post meta, health bodies, reports).
import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped, type ValueNode } from 'graphql';

function safeInt(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new GraphQLError(`SafeInt is a whole number between -(2^53 - 1) and 2^53 - 1, not ${JSON.stringify(value) ?? String(value)}`);
}

export const SafeInt = new GraphQLScalarType({
  name: 'SafeInt',
  serialize: safeInt,
  parseValue: safeInt,
  parseLiteral(ast: ValueNode) {
    if (ast.kind !== Kind.INT) throw new GraphQLError('SafeInt is a whole number written without quotes', { nodes: ast });
    return safeInt(Number(ast.value));
  },
});

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
