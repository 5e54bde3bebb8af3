import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

/**
 * Reads the lines a server appends to its log file, a read at a time: only whole lines are
 * returned (a line the server is still writing waits for its newline), UTF-8 split across two
 * reads is decoded whole, a file that does not exist yet reads as empty, and a file that shrank
 * (truncated or replaced) is read again from its start. Rotation to another file name is not
 * followed: the throwaway servers write one file for their whole life.
 */
export class LogFileTail {
  private offset: number;
  private decoder = new StringDecoder('utf8');
  private partial = '';

  /** Reads from byte `offset` on (0: the whole file). */
  constructor(
    readonly path: string,
    offset = 0,
  ) {
    this.offset = offset;
  }

  /** A tail that starts at the file's current end (0 when it does not exist yet). */
  static async fromEnd(path: string): Promise<LogFileTail> {
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    return new LogFileTail(path, size);
  }

  /** The whole lines appended since the last read, without their line ends. */
  async readLines(): Promise<string[]> {
    const text = await this.readNew();
    if (text === '') return [];
    const pieces = (this.partial + text).split('\n');
    this.partial = pieces.pop() ?? '';
    return pieces.map((line) => line.replace(/\r$/, ''));
  }

  /** The line still waiting for its newline (the last words of a server that stopped), then nothing. */
  takePartialLine(): string | undefined {
    const rest = (this.partial + this.decoder.end()).replace(/\r$/, '');
    this.partial = '';
    this.decoder = new StringDecoder('utf8');
    return rest === '' ? undefined : rest;
  }

  private async readNew(): Promise<string> {
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size < this.offset) {
        // Truncated or replaced: what is there now is new.
        this.offset = 0;
        this.partial = '';
        this.decoder = new StringDecoder('utf8');
      }
      let text = '';
      const buffer = Buffer.alloc(64 * 1024);
      while (this.offset < size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - this.offset), this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        text += this.decoder.write(buffer.subarray(0, bytesRead));
      }
      return text;
    } finally {
      await handle.close();
    }
  }
}
