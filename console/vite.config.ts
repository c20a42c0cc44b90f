import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The console's build: served by maru at /console (src/faces/console), so every asset URL starts with /console/.
 * The manifest (dist/.vite/manifest.json) tells the budget test which chunks the first page loads.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  logLevel: 'warn',
});
