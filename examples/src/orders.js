'use strict';

const linePattern = /^([A-Z][A-Z0-9-]*)\s+x\s+(\d+)\s+@\s+(\d+(?:\.\d{1,2})?)$/;

/**
 * Parses order text, one `SKU x QUANTITY @ PRICE` line per item.
 * @implements ORD-1, ORD-4, SRS001
 * [impl->dsn~order-line-parser~1]
 */
function parseOrder(text) {
  const lines = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const match = linePattern.exec(line);
    if (!match) throw new Error(`line ${index + 1} is not "SKU x QUANTITY @ PRICE": ${line}`);
    lines.push({ sku: match[1], quantity: Number(match[2]), unitPrice: Number(match[3]) });
  });
  if (lines.length === 0) throw new Error('an order needs at least one line');
  return lines;
}

/** Rounds half up to cents. */
function roundCents(amount) {
  return Math.round((amount + Number.EPSILON) * 100) / 100;
}

/**
 * The order total: subtotal, less the discount, plus tax.
 * @implements ORD-2
 * [impl->dsn~tax-rounding~1]
 */
function orderTotal(lines, taxRate, discountPercent = 0) {
  const subtotal = lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
  const discounted = subtotal * (1 - discountPercent / 100);
  return roundCents(discounted * (1 + taxRate));
}

/**
 * The percentage a discount code takes off, or 0 when it is unknown or expired.
 * @implements ORD-3
 */
function discountFor(code, codes) {
  const entry = codes[code];
  if (!entry) return 0;
  if (new Date() > new Date(entry.expires)) return 0;
  return entry.percent;
}

/**
 * The receipt text of a confirmed order.
 * @implements ORD-6
 */
function formatReceipt(lines, total) {
  const body = lines.map((line) => `${line.sku}  ${line.quantity} x ${line.unitPrice.toFixed(2)}`);
  return [...body, `TOTAL  ${total.toFixed(2)}`].join('\n');
}

/**
 * Refunds are not specified yet; this tag names a requirement nobody wrote.
 * @implements ORD-9
 */
function refund(order) {
  return { ...order, refunded: true };
}

module.exports = { parseOrder, orderTotal, discountFor, formatReceipt, refund, roundCents };
