// The UI's build: a static bundle in ui/dist, served on :3000 by the stack's
// `ui` unit (services/gateway/src/ui-main.ts). The UI talks to the gateway
// (:4000) directly: GraphQL over HTTP and graphql-ws, nothing is proxied.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: { port: 3000, host: '127.0.0.1', strictPort: true },
  preview: { port: 3000, host: '127.0.0.1', strictPort: true },
});
