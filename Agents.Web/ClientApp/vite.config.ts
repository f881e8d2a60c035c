import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The built app goes to Agents.Web/wwwroot (git-ignored), which Agents.Web serves.
// `npm run dev` proxies the API and the hub to a running front door (./run.sh), so both can be used side by side.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: '../wwwroot',
    emptyOutDir: true,
    chunkSizeWarningLimit: 500,
  },
  server: {
    proxy: {
      '/api': 'http://localhost:5080',
      '/hubs': { target: 'http://localhost:5080', ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
