/**
 * Finds where a setting is written in a JSON config, so an error about
 * `groups[2].vips[5]` can name the line and column to fix. Uses jsonc-parser
 * (the parser behind VS Code's JSON support) for the syntax tree.
 */
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { LineIndex, type TextPosition } from './json-position.js';

/** A path into the JSON value: object keys and array indexes. */
export type JsonPath = Array<string | number>;

/**
 * Returns a function that gives the position of `path` in `text`: the key of
 * an object member, the value of an array element, or the nearest ancestor
 * that exists (an unknown setting inside a known section points at the
 * section). Undefined when nothing of the path is in the text.
 *
 * The syntax tree and line index are built on the first call, so a valid
 * config (nothing to locate) never pays for them. `text` must be nested no
 * deeper than MAX_JSON_DEPTH (json-depth.ts): jsonc-parser recurses.
 */
export function jsonLocator(text: string): (path: JsonPath) => TextPosition | undefined {
  let built: { root: Node | undefined; lines: LineIndex } | undefined;
  return (path) => {
    built ??= { root: parseTree(text), lines: new LineIndex(text) };
    const { root, lines } = built;
    if (root === undefined) return undefined;
    for (let n = path.length; n > 0; n--) {
      const node = findNodeAtLocation(root, path.slice(0, n));
      if (node !== undefined) return lines.positionOf(anchor(node).offset);
    }
    return undefined;
  };
}

/** The key for an object member (what the operator looks for), else the value. */
function anchor(node: Node): Node {
  const parent = node.parent;
  if (parent?.type === 'property' && parent.children?.[1] === node && parent.children[0] !== undefined) return parent.children[0];
  return node;
}
