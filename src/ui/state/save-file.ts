/** Hands bytes or text to the browser as a download (the one place the page saves a file). */
export function saveFile(name: string, data: Uint8Array | string, mime: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([typeof data === 'string' ? data : new Uint8Array(data)], { type: mime }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
