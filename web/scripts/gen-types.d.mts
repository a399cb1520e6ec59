export function buildDocument(): string;
export function buildTypes(documentText: string): Promise<string>;
