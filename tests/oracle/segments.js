// The oracle for tests/oracle/oracle_test.cpp: reads one JSON string a line on stdin and
// writes {"enc": "GSM-7"|"UCS-2", "parts": N} a line, as sms-segments-calculator 1.3.0
// (Twilio DevEd) counts them, with smart encoding off.
const { SegmentedMessage } = require('sms-segments-calculator');
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l.length > 0);
const out = lines.map((l) => {
  const m = new SegmentedMessage(JSON.parse(l), 'auto', false);
  return JSON.stringify({ enc: m.encodingName, parts: m.segmentsCount });
});
process.stdout.write(out.join('\n') + '\n');
