import 'vitest/browser';

declare module 'vitest/browser' {
  interface BrowserCommands {
    runGraphInNode(graphPath: string, backend?: string): Promise<Record<string, string>>;
  }
}
