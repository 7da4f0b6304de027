// Waiting in tests that drive a browser.
import { expect } from 'vitest';

/**
 * expect.poll with room for a loaded machine: a first prompt meets cold Lambda containers and a
 * first page the emulator's bundling (vitest's default gives up after 1 s).
 */
export const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 30_000, interval: 100 });
