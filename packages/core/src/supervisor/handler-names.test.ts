import { describe, expect, it } from 'vitest';
import { builtinHandlerNames } from './handler-names.js';
import { handlers } from './handlers.js';

describe('builtinHandlerNames', () => {
  it('are the names of the supervisor’s handlers', () => {
    expect([...builtinHandlerNames].sort()).toEqual(Object.keys(handlers).sort());
  });
});
