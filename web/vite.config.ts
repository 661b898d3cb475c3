/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig, loadEnv } from "vite";

// In development Vite serves the dashboard and forwards /api to a running `mongo-admin api serve`
// (MONGO_ADMIN_API_URL, default http://127.0.0.1:8000). In production the API serves web/dist itself.
export default defineConfig(({ mode }) => ({
  plugins: [react()],
  server: {
    proxy: {
      "/api": { target: loadEnv(mode, ".", "MONGO_ADMIN_").MONGO_ADMIN_API_URL ?? "http://127.0.0.1:8000" },
    },
  },
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    // Generous: a loaded machine (the end-to-end tests running beside) slows jsdom rendering several times over.
    testTimeout: 20_000,
  },
}));
