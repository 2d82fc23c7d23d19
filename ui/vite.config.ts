import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The gateway serves the built app at `/` and GraphQL (HTTP and graphql-ws) at `/graphql`;
// in development Vite proxies `/graphql` to it so the app always talks to its own origin.
const gateway = process.env.ATES_GATEWAY_URL ?? 'http://127.0.0.1:4000';
const proxy = { '/graphql': { target: gateway, ws: true, changeOrigin: true } };

export default defineConfig({
  plugins: [react()],
  server: { port: 5173, proxy },
  preview: { port: 4173, proxy },
  build: { outDir: 'dist', sourcemap: true, assetsInlineLimit: 0 },
});
