import { afterEach, describe, expect, it } from 'vitest';
import { parseLocalDatetime } from '../../src/core/blocklist/blocklist.service.ts';
import { formatRequestDate } from '../../src/faces/notifly/blocklist-mapping.ts';
import { ZoneOffsets } from '../../src/core/export/timezone.ts';
import { expectOk, messagingWorld, type MessagingWorld } from './messaging.helpers.ts';

let w: MessagingWorld;
let open: MessagingWorld | undefined;
afterEach(async () => {
  // The pure tests at the end open no world: the last one is not closed twice.
  if (open !== w) await w?.close();
  open = w;
});

const base = () => `/projects/${w.project.id}/messages/text-message/blockservice/recipients`;
const find = (query: string) => w.notifly('GET', `${base()}?${query}`);
const register = (body: unknown) => w.notifly('POST', base(), body);
const remove = (query: string) => w.notifly('DELETE', `${base()}/removes?${query}`);

describe('080 block list: register and find', () => {
  it("registers numbers under an 080 number and finds them with the seed's page shape and request dates in project time", async () => {
    w = await messagingWorld({ start: '2018-05-14T08:07:29.000Z' }); // 17:07:29 KST, the seed's sample time
    const r = await register({ unsubscribeNo: '0808888888', recipientNoList: ['01000000000', '010012341234'] });
    expect([r.status, r.raw]).toEqual([200, '{"success":true}']);

    const page = await find('unsubscribeNo=0808888888&pageNum=1&pageSize=15');
    expect(page.status).toBe(200);
    expect(page.body).toEqual({
      pageNum: 1,
      pageSize: 15,
      totalCount: 2,
      data: [
        { unsubscribeNo: '0808888888', recipientNo: '01000000000', requestDate: '2018-05-14 17:07:29.0' },
        { unsubscribeNo: '0808888888', recipientNo: '010012341234', requestDate: '2018-05-14 17:07:29.0' },
      ],
    });
    // Defaults: page 1 of 15; another 080 number has its own list.
    expect((await find('unsubscribeNo=0808888888')).body).toMatchObject({ pageNum: 1, pageSize: 15, totalCount: 2 });
    expect((await find('unsubscribeNo=0801111111')).body).toEqual({ pageNum: 1, pageSize: 15, totalCount: 0, data: [] });
    // recipientNo narrows to one number.
    expect((await find('unsubscribeNo=0808888888&recipientNo=010012341234')).body.data.map((x: any) => x.recipientNo)).toEqual(['010012341234']);
  });

  it('keeps the first request date of a number registered twice, and normalises written numbers to digits', async () => {
    w = await messagingWorld();
    expectOk(await register({ unsubscribeNo: '080-888-8888', recipientNoList: ['010-1234-5678'] }), 200);
    w.clock.advance(60_000);
    expectOk(await register({ unsubscribeNo: '0808888888', recipientNoList: ['01012345678', '01099998888'] }), 200);
    expect((await find('unsubscribeNo=080-888-8888')).body.data).toEqual([
      { unsubscribeNo: '0808888888', recipientNo: '01099998888', requestDate: '2025-01-06 10:01:00.0' },
      { unsubscribeNo: '0808888888', recipientNo: '01012345678', requestDate: '2025-01-06 10:00:00.0' },
    ]);
  });

  it('pages newest first, with pageSize up to 1,000', async () => {
    w = await messagingWorld();
    for (let batch = 0; batch < 4; batch++) {
      w.clock.advance(1_000);
      expectOk(
        await register({ unsubscribeNo: '0800000000', recipientNoList: Array.from({ length: 10 }, (_, i) => `0101000${batch}${String(i).padStart(3, '0')}`) }),
        200,
      );
    }
    const p1 = await find('unsubscribeNo=0800000000');
    expect(p1.body.totalCount).toBe(40);
    expect(p1.body.data).toHaveLength(15);
    expect(p1.body.data[0]).toEqual({ unsubscribeNo: '0800000000', recipientNo: '01010003000', requestDate: '2025-01-06 10:00:04.0' });
    const p3 = await find('unsubscribeNo=0800000000&pageNum=3&pageSize=15');
    expect(p3.body).toMatchObject({ pageNum: 3, pageSize: 15, totalCount: 40 });
    expect(p3.body.data.map((x: any) => x.recipientNo)).toEqual([
      '01010000000',
      '01010000001',
      '01010000002',
      '01010000003',
      '01010000004',
      '01010000005',
      '01010000006',
      '01010000007',
      '01010000008',
      '01010000009',
    ]);
    expect((await find('unsubscribeNo=0800000000&pageNum=4')).body.data).toEqual([]);
    const all = await find('unsubscribeNo=0800000000&pageSize=1000');
    expect(all.body.data).toHaveLength(40);
    // every number exactly once across the pages
    const seen = new Set<string>();
    for (let p = 1; p <= 3; p++) for (const x of (await find(`unsubscribeNo=0800000000&pageNum=${p}`)).body.data) seen.add(x.recipientNo);
    expect(seen.size).toBe(40);
  });

  it('filters on startRequestDate and endRequestDate (yyyy-MM-dd HH:mm:ss, project time, both inclusive)', async () => {
    w = await messagingWorld({ start: '2025-01-06T00:59:59.500Z' }); // 09:59:59.5 KST
    expectOk(await register({ unsubscribeNo: '0800000000', recipientNoList: ['01011110000'] }), 200);
    w.clock.set('2025-01-06T01:00:00.250Z'); // 10:00:00.25
    expectOk(await register({ unsubscribeNo: '0800000000', recipientNoList: ['01022220000'] }), 200);
    w.clock.set('2025-01-06T02:00:00.000Z'); // 11:00:00
    await w.reauth(); // tokens last an hour
    expectOk(await register({ unsubscribeNo: '0800000000', recipientNoList: ['01033330000'] }), 200);
    const numbers = async (q: string) => (await find(`unsubscribeNo=0800000000&${q}`)).body.data.map((x: any) => x.recipientNo).sort();
    expect(await numbers(`startRequestDate=${encodeURIComponent('2025-01-06 10:00:00')}`)).toEqual(['01022220000', '01033330000']);
    expect(await numbers(`endRequestDate=${encodeURIComponent('2025-01-06 10:00:00')}`)).toEqual(['01011110000', '01022220000']);
    expect(await numbers(`startRequestDate=${encodeURIComponent('2025-01-06 09:59:59')}&endRequestDate=${encodeURIComponent('2025-01-06 09:59:59')}`)).toEqual([
      '01011110000',
    ]);
    expect(await numbers(`startRequestDate=${encodeURIComponent('2025-01-06 10:00:01')}&endRequestDate=${encodeURIComponent('2025-01-06 11:00:00')}`)).toEqual([
      '01033330000',
    ]);
    expect((await find(`unsubscribeNo=0800000000&recipientNo=01022220000`)).body.data[0].requestDate).toBe('2025-01-06 10:00:00.25');
  });

  it("shows and filters request dates in the project's own time zone", async () => {
    w = await messagingWorld({ start: '2025-01-06T01:00:00.000Z', timezone: 'America/New_York' }); // 20:00 the day before in New York
    expectOk(await register({ unsubscribeNo: '0800000000', recipientNoList: ['01011110000'] }), 200);
    expect((await find('unsubscribeNo=0800000000')).body.data[0].requestDate).toBe('2025-01-05 20:00:00.0');
    expect((await find(`unsubscribeNo=0800000000&startRequestDate=${encodeURIComponent('2025-01-05 20:00:01')}`)).body.totalCount).toBe(0);
  });

  it('answers 400 naming the field and the limit', async () => {
    w = await messagingWorld();
    const findCases: [string, string][] = [
      ['', 'unsubscribeNo is required'],
      [`unsubscribeNo=${'0'.repeat(26)}`, `unsubscribeNo is 26 characters; at most 25`],
      [`unsubscribeNo=080&recipientNo=${'1'.repeat(26)}`, 'recipientNo is 26 characters; at most 25'],
      ['unsubscribeNo=080-abc', 'unsubscribeNo "080-abc" is not a phone number (3-20 digits)'],
      ['unsubscribeNo=0800000000&pageSize=1001', 'pageSize must be a whole number from 1 to 1000'],
      ['unsubscribeNo=0800000000&pageSize=0', 'pageSize must be a whole number from 1 to 1000'],
      ['unsubscribeNo=0800000000&pageNum=0', 'pageNum must be a whole number from 1 to 1000000'],
      ['unsubscribeNo=0800000000&pageNum=x', 'pageNum must be a whole number from 1 to 1000000'],
      ['unsubscribeNo=0800000000&startRequestDate=2025-01-06', 'startRequestDate must be yyyy-MM-dd HH:mm:ss (project time, Asia/Seoul)'],
      ['unsubscribeNo=0800000000&endRequestDate=2025-01-06T10:00:00Z', 'endRequestDate must be yyyy-MM-dd HH:mm:ss (project time, Asia/Seoul)'],
      [
        `unsubscribeNo=0800000000&endRequestDate=${encodeURIComponent('2025-02-30 10:00:00')}`,
        'endRequestDate must be yyyy-MM-dd HH:mm:ss (project time, Asia/Seoul)',
      ],
      [
        `unsubscribeNo=0800000000&startRequestDate=${encodeURIComponent('2025-01-06 10:00:00')}&endRequestDate=${encodeURIComponent('2025-01-06 09:00:00')}`,
        'endRequestDate is before startRequestDate',
      ],
    ];
    for (const [q, error] of findCases) {
      const r = await find(q);
      expect([r.status, r.body]).toEqual([400, { error }]);
    }
    const registerCases: [unknown, string][] = [
      [{ recipientNoList: ['01012345678'] }, 'unsubscribeNo is required'],
      [{ unsubscribeNo: '0'.repeat(26), recipientNoList: ['01012345678'] }, 'unsubscribeNo is 26 characters; at most 25'],
      [{ unsubscribeNo: '0800000000' }, 'recipientNoList is required'],
      [{ unsubscribeNo: '0800000000', recipientNoList: [] }, 'recipientNoList must not be empty'],
      [
        { unsubscribeNo: '0800000000', recipientNoList: Array.from({ length: 11 }, (_, i) => `0101234567${i % 10}`) },
        'recipientNoList has 11 items; at most 10',
      ],
      [{ unsubscribeNo: '0800000000', recipientNoList: ['01012345678', '1'.repeat(26)] }, 'recipientNoList[1] is 26 characters; at most 25'],
      [{ unsubscribeNo: '0800000000', recipientNoList: ['12345'] }, 'recipientNoList[0] "12345" is not a phone number (7-20 digits)'],
      [{ unsubscribeNo: '0800000000', recipientNoList: [{}] }, 'recipientNoList[0] must be a string'],
    ];
    for (const [body, error] of registerCases) {
      const r = await register(body);
      expect([r.status, r.body]).toEqual([400, { error }]);
    }
    expect((await register({ unsubscribeNo: '0800000000', recipientNoList: Array.from({ length: 10 }, (_, i) => `0101234567${i}`) })).status).toBe(200);
    expect((await find('unsubscribeNo=0800000000')).body.totalCount).toBe(10);
  });
});

describe('080 block list: remove', () => {
  it('removes comma-separated numbers of one 080 number; unknown numbers are not an error', async () => {
    w = await messagingWorld();
    expectOk(await register({ unsubscribeNo: '0800000000', recipientNoList: ['0100000000', '0100000001', '0100000002'] }), 200);
    expectOk(await register({ unsubscribeNo: '0801111111', recipientNoList: ['0100000000'] }), 200);
    const r = await remove('unsubscribeNo=0800000000&recipientNoList=0100000000,0100000001,0109999999');
    expect([r.status, r.raw]).toEqual([200, '{"success":true}']);
    expect((await find('unsubscribeNo=0800000000')).body.data.map((x: any) => x.recipientNo)).toEqual(['0100000002']);
    expect((await find('unsubscribeNo=0801111111')).body.totalCount).toBe(1);
    // The seed's request carries Content-Type: application/json with no body.
    const withHeader = await w.notifly('DELETE', `${base()}/removes?unsubscribeNo=0800000000&recipientNoList=0100000002`, undefined, {
      'content-type': 'application/json',
    });
    expect(withHeader.status).toBe(200);
    expect((await find('unsubscribeNo=0800000000')).body.totalCount).toBe(0);
    const getWithHeader = await w.notifly('GET', `${base()}?unsubscribeNo=0801111111`, undefined, { 'content-type': 'application/json' });
    expect(getWithHeader.body.totalCount).toBe(1);
  });

  it('answers 400 naming the field and the limit (unsubscribeNo at most 20 characters here)', async () => {
    w = await messagingWorld();
    const cases: [string, string][] = [
      ['recipientNoList=01012345678', 'unsubscribeNo is required'],
      [`unsubscribeNo=${'0'.repeat(21)}&recipientNoList=01012345678`, 'unsubscribeNo is 21 characters; at most 20'],
      ['unsubscribeNo=0800000000', 'recipientNoList is required'],
      ['unsubscribeNo=0800000000&recipientNoList=01012345678,,01012345679', 'recipientNoList[1] is required'],
      [`unsubscribeNo=0800000000&recipientNoList=${'1'.repeat(26)}`, 'recipientNoList[0] is 26 characters; at most 25'],
    ];
    for (const [q, error] of cases) {
      const r = await remove(q);
      expect([r.status, r.body]).toEqual([400, { error }]);
    }
    expect((await remove(`unsubscribeNo=${'0'.repeat(20)}&recipientNoList=01012345678`)).status).toBe(200);
  });
});

describe('080 block list: access and envelope', () => {
  it("authenticates before anything, keeps to the token's project (404), and answers 405 for other methods", async () => {
    w = await messagingWorld();
    const noToken = await w.notifly('GET', `${base()}?unsubscribeNo=0800000000`, undefined, { authorization: '' });
    expect(noToken.status).toBe(401);
    const other = await w.notifly('POST', `/projects/otherproject/messages/text-message/blockservice/recipients`, {
      unsubscribeNo: '0800000000',
      recipientNoList: ['01012345678'],
    });
    expect([other.status, other.body]).toEqual([404, { error: 'Not found: project otherproject not found' }]);
    expect((await find('unsubscribeNo=0800000000')).body.totalCount).toBe(0);

    const put = await w.notifly('PUT', base(), {});
    expect([put.status, put.raw, put.headers.allow]).toEqual([405, '{"error":"Method not allowed"}', 'GET, HEAD, POST']);
    const getRemoves = await w.notifly('GET', `${base()}/removes?unsubscribeNo=080`);
    expect([getRemoves.status, getRemoves.raw, getRemoves.headers.allow]).toEqual([405, '{"error":"Method not allowed"}', 'DELETE']);
    const malformed = await w.t.app.inject({
      method: 'POST',
      url: base(),
      headers: { authorization: w.token, 'content-type': 'application/json' },
      payload: '{"unsubscribeNo":',
    });
    expect(malformed.statusCode).toBe(400);
  });
});

describe('request dates', () => {
  it('print the fraction of a second as a Java Timestamp does', () => {
    const at = Date.parse('2018-05-14T08:07:29Z');
    expect(formatRequestDate(at, 'Asia/Seoul')).toBe('2018-05-14 17:07:29.0');
    expect(formatRequestDate(at + 5, 'Asia/Seoul')).toBe('2018-05-14 17:07:29.005');
    expect(formatRequestDate(at + 120, 'Asia/Seoul')).toBe('2018-05-14 17:07:29.12');
    expect(formatRequestDate(at + 500, 'Asia/Seoul')).toBe('2018-05-14 17:07:29.5');
    expect(formatRequestDate(Date.parse('2024-12-31T15:00:00Z'), 'Asia/Seoul')).toBe('2025-01-01 00:00:00.0');
  });

  it('parse local times in the zone, refusing impossible ones', () => {
    const seoul = new ZoneOffsets('Asia/Seoul');
    expect(parseLocalDatetime('2018-05-14 17:07:29', seoul)).toBe(Date.parse('2018-05-14T08:07:29Z'));
    expect(parseLocalDatetime('2024-02-29 00:00:00', seoul)).toBe(Date.parse('2024-02-28T15:00:00Z'));
    for (const bad of ['2023-02-29 00:00:00', '2018-05-14 24:00:00', '2018-05-14 17:60:00', '2018-5-14 17:07:29', '2018-05-14T17:07:29'])
      expect(parseLocalDatetime(bad, seoul)).toBeUndefined();
    // A time skipped by a daylight-saving change is read with the offset before it (02:30 EST = 03:30 EDT).
    const ny = new ZoneOffsets('America/New_York');
    expect(parseLocalDatetime('2025-03-09 02:30:00', ny)).toBe(Date.parse('2025-03-09T07:30:00Z'));
    expect(parseLocalDatetime('2025-07-01 12:00:00', ny)).toBe(Date.parse('2025-07-01T16:00:00Z'));
  });
});
