// The two scalars the schema adds. SafeInt: GraphQL's Int stops at 2^31 - 1,
// but user ids are bigserial, WAL positions and epoch milliseconds are larger;
// JSON numbers are exact up to 2^53 - 1, so that is the limit. As an argument
// it is always a user id, so it takes a string of digits as REST does. JSON: payloads
// passed through as REST answers them (post meta, health bodies, reports).
import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped, type ValueNode } from 'graphql';

function safeInt(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new GraphQLError(`SafeInt is a whole number between -(2^53 - 1) and 2^53 - 1, not ${JSON.stringify(value) ?? String(value)}`);
}

// As REST's ids (Id in the contracts): the digits of a positive number, as an HTML <select> sends them.
const DIGITS = /^[1-9][0-9]{0,15}$/;

/** An argument: a number, or the string of a positive number's digits ("17" is 17); the field's zod schema checks the rest. */
function safeIntInput(value: unknown): number {
  if (typeof value === 'string' && DIGITS.test(value)) return safeInt(Number(value));
  return safeInt(value);
}

export const SafeInt = new GraphQLScalarType({
  name: 'SafeInt',
  serialize: safeInt,
  parseValue: safeIntInput,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.STRING && DIGITS.test(ast.value)) return safeIntInput(ast.value);
    if (ast.kind !== Kind.INT) throw new GraphQLError('SafeInt is a whole number, written without quotes or as a string of its digits ("17")', { nodes: ast });
    return safeInt(Number(ast.value));
  },
});

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
