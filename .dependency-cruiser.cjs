/**
 * The architecture's import rules (README "Map of the code", ../shared/STYLE.md "Boundaries"), checked by
 * `npm run lint` in `npm test`. Type-only imports count: a face that needs the composition root's whole type is
 * as coupled as one that imports its values.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'No import cycles anywhere.', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-stays-inside',
      comment: 'The core imports no face, server, CLI or composition root.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(faces|server|cli)/|^src/runtime\\.ts$' },
    },
    {
      name: 'faces-get-narrow-deps',
      comment:
        'A face imports no platform adapter and not the runtime: it declares the narrow dependencies it uses (a Pick of src/services.ts). ' +
        'Ports, types and the pure store-fault classifier (no adapter behind it) are allowed.',
      severity: 'error',
      from: { path: '^src/faces/' },
      to: { path: '^src/runtime\\.ts$|^src/platform/(db|queue|limits)/(?!.*(port|types)\\.ts$|store-faults\\.ts$)' },
    },
    {
      name: 'adapters-know-no-faces',
      comment: 'Platform adapters and channel providers import no face, server or CLI.',
      severity: 'error',
      from: { path: '^src/(platform|channels)/' },
      to: { path: '^src/(faces|server|cli)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
