// The engines' addresses, credentials and versions live in packages/contracts,
// where the services read their defaults too.
export * from '@polyglot/contracts/endpoints';
