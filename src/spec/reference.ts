// Placeholder until the generator lands.
export function specReference(): string {
  return '# turtle.yaml reference\n';
}
