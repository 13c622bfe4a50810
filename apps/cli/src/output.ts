/** Where a command writes: stdout for results, stderr for progress and errors; each knows if it is a terminal. */
export type Output = {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
};

export const print = (stream: NodeJS.WritableStream, text = ''): void => {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
};

export const printJson = (stream: NodeJS.WritableStream, value: unknown): void => print(stream, JSON.stringify(value, null, 2));
