// The layer check: which file may import which. docs/layers.md says why the rules are these;
// stack/src/static-checks.ts runs this file (./stackctl lint, and ./stackctl test before the tests).
//
// Every service is services/NAME/src/{entry-points,domain,data-access}/ plus a few files directly
// in src/. Imports go one way: entry-points -> domain -> data-access.
// - entry-points may use data-access *types* (`import type`): a route's handler is handed a
//   repository by the composition root and names its type. Run-time values come through domain.
// - The files directly in src/ are the process's wiring (app.ts, main.ts, graph's relay.ts, the
//   gateway's ui-server.ts...): they may import every layer, and no layer imports them. The one
//   exception is config.ts, the parsed environment, which a layer may import as a type.
//
// Packages (the workspaces in the root package.json) import one another by name
// (`@polyglot/contracts/topics`), never by a relative path into another package's folder. A name is
// resolved through the package's `exports`, and package.json declares the dependency.

/** A workspace's folder at the start of a path; bench/ and tests/ belong to the root package. */
const PACKAGE = '^((?:packages|services)/[^/]+|stack|ui|bench|tests)/';
const LAYER_FILE = '^services/([^/]+)/src/(entry-points|domain|data-access)/';

/**
 * A forbidden import: from a file matching `from` to one matching `to` (`$1` in `to` is what `from`
 * captured). Every one is an error; `why` says what to do instead, and ./stackctl lint prints it.
 * @param {string} name
 * @param {import('dependency-cruiser').IRegularForbiddenRuleType['from']} from
 * @param {import('dependency-cruiser').IRegularForbiddenRuleType['to']} to
 * @param {string} why
 * @returns {import('dependency-cruiser').IRegularForbiddenRuleType}
 */
const forbid = (name, from, to, why) => ({ name, comment: why, severity: 'error', from, to });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    forbid('data-access-imports-upper-layer', { path: '^services/([^/]+)/src/data-access/' }, { path: '^services/$1/src/(domain|entry-points)/' },
      'data-access is the bottom layer: it must not import domain or entry-points. Move the shared type or function into data-access (domain imports it from there).'),
    forbid('domain-imports-entry-points', { path: '^services/([^/]+)/src/domain/' }, { path: '^services/$1/src/entry-points/' },
      'domain must not import entry-points: move what both need into domain.'),
    forbid('entry-points-import-data-access-values', { path: '^services/([^/]+)/src/entry-points/' }, { path: '^services/$1/src/data-access/', dependencyTypesNot: ['type-only'] },
      'entry-points may import data-access types only (`import type`). Let the composition root (app.ts) build the data-access object and hand it in, or call it through a domain function.'),
    forbid('layer-imports-composition-root', { path: LAYER_FILE }, { path: '^services/$1/src/[^/]+$', pathNot: '^services/[^/]+/src/config\\.ts$' },
      'A layer must not import the files directly in src/ (app.ts, main.ts, ...): they wire the layers together. Only config.ts may be imported, as a type.'),
    forbid('layer-imports-config-value', { path: LAYER_FILE }, { path: '^services/$1/src/config\\.ts$', dependencyTypesNot: ['type-only'] },
      'A layer imports config.ts as a type only (`import type`): the composition root parses the environment and hands the result in.'),
    forbid('service-imports-another-service', { path: '^services/([^/]+)/src/' }, { path: '^services/', pathNot: '^services/$1/' },
      'A service reaches another service over HTTP or Kafka, never by importing its code.'),
    forbid('package-imports-service', { path: '^packages/[^/]+/src/' }, { path: '^(services|stack|ui)/' },
      'packages/ hold what services share: they must not import a service, the stack or the UI.'),
    forbid('relative-import-into-another-package', { path: PACKAGE }, { dependencyTypes: ['local'], dependencyTypesNot: ['aliased'], path: '^((?:packages|services)/[^/]+|stack|ui)/', pathNot: '^$1/' },
      'Import another package by its name (e.g. @polyglot/contracts/topics), not by a relative path into its folder: declare it in package.json and export the file through its `exports`.'),
    forbid('not-to-unresolvable', {}, { couldNotResolve: true },
      'This import resolves to no file: fix the path, or declare and install the package.'),
  ],
  options: {
    // TypeScript 7's npm package has no compiler API, which dependency-cruiser's own TypeScript
    // parser needs; swc parses the sources instead.
    parser: 'swc',
    // `import type` counts too: a type-only import is still a dependency between layers.
    tsPreCompilationDeps: false,
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['(^|/)node_modules/', '(^|/)dist/', '^\\.stack/'] },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.json'],
    },
  },
};
