// Finds where a document path sits in the YAML source, so every issue can say file:line:col.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { PathKey } from './_words.js';

export interface Position {
  /** `file:line:col`, or just `file` for whole-document problems */
  where: string;
  /** 0 for whole-document problems; used to sort issues */
  line: number;
  col: number;
}

type Found = { node: Node | null; key?: Node | null };

export class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    readonly file: string,
  ) {}

  /**
   * The deepest node on `path`. A map value that is itself a map or list is shown at its key
   * (`web:` rather than the first line inside it); `at: 'key'` always shows the key.
   */
  locate(path: readonly PathKey[], at?: 'key'): Position {
    if (path.length === 0) return { where: this.file, line: 0, col: 0 };
    let current: Found = { node: this.doc.contents as Node | null };
    let reached = 0;
    for (const step of path) {
      const next = this.child(current.node, step, 0);
      if (next === undefined) break;
      current = next;
      reached++;
    }
    const complete = reached === path.length;
    const { node, key } = current;
    const preferKey = !complete || at === 'key' || node === null || !isScalar(node);
    const target = (preferKey && key) || node;
    if (!target?.range) return { where: this.file, line: 0, col: 0 };
    const { line, col } = this.lines.linePos(target.range[0]);
    return { where: `${this.file}:${line}:${col}`, line, col };
  }

  private resolve(node: Node | null, depth: number): Node | null {
    if (node !== null && isAlias(node) && depth < 20) return this.resolve((node.resolve(this.doc) as Node | undefined) ?? null, depth + 1);
    return node;
  }

  /** One step down; looks through aliases and `<<` merge keys, as the loaded value does. */
  private child(parent: Node | null, step: PathKey, depth: number): Found | undefined {
    const node = this.resolve(parent, depth);
    if (node === null || depth > 20) return undefined;
    if (isSeq(node)) {
      const item = typeof step === 'number' ? node.items[step] : undefined;
      return item === undefined ? undefined : { node: item as Node | null };
    }
    if (!isMap(node)) return undefined;
    const merges: Node[] = [];
    for (const pair of node.items) {
      const keyValue = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(keyValue) === String(step)) return { node: pair.value as Node | null, key: pair.key as Node | null };
      if (keyValue === '<<' && pair.value) merges.push(pair.value as Node);
    }
    for (const merge of merges) {
      const target = this.resolve(merge, depth);
      const sources = isSeq(target) ? (target.items as Node[]) : [target];
      for (const source of sources) {
        const found = this.child(source, step, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  }
}
