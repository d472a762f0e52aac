'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { parseOrder, orderTotal, discountFor } = require('../src/orders');

describe('parseOrder', () => {
  // [utest->dsn~order-line-parser~1]
  // @verifies SRS001
  it('ORD-1 parses one line into SKU, quantity and unit price', () => {
    assert.deepEqual(parseOrder('BOOK-1 x 2 @ 12.50'), [{ sku: 'BOOK-1', quantity: 2, unitPrice: 12.5 }]);
  });

  it('ORD-1 ignores blank lines and surrounding spaces', () => {
    assert.equal(parseOrder('\n  BOOK-1 x 1 @ 3.00  \n\n').length, 1);
  });

  it('ORD-1 rejects a malformed line with its number', () => {
    assert.throws(() => parseOrder('BOOK-1 x 1 @ 3.00\nnonsense'), /line 2/);
  });

  /** @verifies ORD-4 */
  it('rejects an empty order', () => {
    assert.throws(() => parseOrder('   '), /at least one line/);
  });
});

describe('orderTotal', () => {
  // @verifies ORD-2
  // [utest->dsn~tax-rounding~1]
  it('adds tax to the subtotal', () => {
    assert.equal(orderTotal([{ sku: 'A-1', quantity: 4, unitPrice: 25 }], 0.2), 120);
  });

  // @verifies ORD-2
  it('rounds half up to cents', () => {
    assert.equal(orderTotal([{ sku: 'A-1', quantity: 1, unitPrice: 0.125 }], 0), 0.13);
  });
});

describe('discountFor', () => {
  // @verifies ORD-3
  it('takes a known code', () => {
    assert.equal(discountFor('SPRING10', { SPRING10: { percent: 10, expires: '2999-01-01' } }), 10);
  });
});
