import fc from 'fast-check';
import { afterEach, expect, it } from 'vitest';
import { addUser as addPhoneUser, expectOk, messagingWorld, setUp, type MessagingWorld } from '../faces/messaging.helpers.ts';

/**
 * The marking property over every channel (issue 19; docs/korean-messaging.md "Marking"): generated campaigns
 * (push, web push, SMS, LMS, MMS, email) and generated direct sends (SMS/LMS/MMS and Kakao friendtalk), advertising or
 * not, with texts that may already carry a marking or a near-variant of it (`[광고]`, `(광 고)`). Every advertising
 * message that reaches the provider (the sandbox outbox) starts with exactly `(광고)` + the sender name and ends with
 * its channel's opt-out; one that would not fit its kind once marked is refused at save/send naming the field, and
 * nothing leaves. Informational messages leave exactly as written.
 */
let w: MessagingWorld;
afterEach(async () => {
  await w?.close();
});

const ADVERTISER = { senderName: '마루샵', optOutNumber: '0801234567', pushOptOut: '수신거부: 설정 > 알림', kakaoOptOut: '수신거부: 채널 차단' };
const SENDER_KEY = 'a'.repeat(40);
const sub = (n: string) => ({ endpoint: `https://push.example/${n}`, keys: { p256dh: `p-${n}`, auth: `a-${n}` } });

type Kind = 'push' | 'web_push' | 'sms' | 'lms' | 'mms' | 'email' | 'direct_sms' | 'direct_lms' | 'direct_mms' | 'friendtalk';
const KINDS: Kind[] = ['push', 'web_push', 'sms', 'lms', 'mms', 'email', 'direct_sms', 'direct_lms', 'direct_mms', 'friendtalk'];

it('property: no advertising message on any channel leaves without (광고) + sender name and its opt-out; informational ones leave as written', async () => {
  w = await messagingWorld({ settings: { advertising: ADVERTISER } });
  await setUp(w, { senderNumbers: ['1544-6859'], sandboxTextSending: true, kakaoChannels: [{ channelId: '@maru', senderKey: SENDER_KEY }] });
  const consents = { df_push_ads_optin: true, df_sms_ads_optin: true, df_email_ads_optin: true, df_kakao_ads_optin: true };
  await addPhoneUser(w.runtime, w.project.id, { userId: 'kim', phone: '01011112222', properties: consents });
  await w.runtime.profiles.upsert({
    projectId: w.project.id,
    strict: false,
    updates: [
      {
        identifiers: [
          { type: 'external_id', value: 'kim' },
          { type: 'email', value: 'kim@example.com' },
        ],
        properties: {},
      },
    ],
  });
  await w.runtime.devices.upsert({
    projectId: w.project.id,
    devices: [
      { deviceId: 'kim-a', externalId: 'kim', platform: 'android', pushToken: 'tok-kim' },
      { deviceId: 'kim-w', externalId: 'kim', platform: 'web', webPush: sub('kim') },
    ].map((d) => ({
      ...d,
      fields: { deviceId: 'device_id', externalId: 'user_id', platform: 'platform', pushToken: 'push_token', webPush: 'web_push', properties: 'properties' },
    })),
  });

  const seen = new Set<string>();
  const fresh = async (campaignId: string) => {
    const r = expectOk(await w.admin('GET', `/outbox?campaign_id=${campaignId}&limit=1000`), 200);
    const out = (r.body.outbox as { id: string; message: any }[]).filter((o) => !seen.has(o.id));
    for (const o of out) seen.add(o.id);
    return out.map((o) => o.message);
  };
  // Short enough that an informational SMS always fits 90 bytes (prefix ≤ 14 + body ≤ 60) and a title fits 40 bytes:
  // only the marking can push a text over its kind's limit.
  const chars = fc.constantFrom('가', '나', 'a', 'b', ' ', '[', ']', '(', ')', '광', '고', '1', '\n');
  const textOf = (maxLength: number) => fc.string({ minLength: 1, maxLength, unit: chars }).filter((s) => s.trim().length > 0 && !/[{}%#]/.test(s));
  const prefix = fc.constantFrom('', '(광고) ', '(광고)', '[광고] ', '(광 고) ', ' (광고) ', '(광고) 마루샵 ');
  let n = 0;
  const counted: Record<string, number> = {};

  await fc.assert(
    fc.asyncProperty(fc.boolean(), prefix, textOf(10), textOf(30), async (advertising, pre, title, rawBody) => {
      for (const kind of KINDS) await one(kind, advertising, pre, title, rawBody);
    }),
    { numRuns: Number(process.env.MARU_PROPERTY_RUNS ?? 15) },
  );
  // Every kind was sent as advertising and as informational.
  for (const k of KINDS) for (const a of [true, false]) if (!(k.endsWith('sms') && a)) expect(counted[`${k}:${a}`], `${k}:${a}`).toBeGreaterThan(0);

  async function one(kind: Kind, asked: boolean, pre: string, title: string, rawBody: string) {
    n++;
    const body = pre + rawBody;
    // A direct text whose body or title starts with exactly (광고) is advertising whatever isAd says (D10).
    const advertising = asked || (kind.startsWith('direct_') && (body.startsWith('(광고)') || title.startsWith('(광고)')));
    let campaignId: string;
    let refused: { status: number; field: unknown } | undefined;
    if (kind === 'friendtalk' || kind.startsWith('direct_')) {
      const r =
        kind === 'friendtalk'
          ? await w.notifly('POST', '/messages/kakao-friendtalk', {
              projectId: w.project.id,
              messageType: 'text',
              isAd: asked,
              recipientList: [{ recipientNo: '01011112222', content: { text: body } }],
            })
          : await w.notifly('POST', '/messages/text-message', {
              projectId: w.project.id,
              type: kind.slice(7),
              title,
              body,
              isAd: asked,
              recipientList: [{ recipientNo: '01011112222' }],
            });
      campaignId = kind === 'friendtalk' ? (advertising ? 'direct_friendtalk_ad' : 'direct_friendtalk') : advertising ? 'direct_text_ad' : 'direct_text';
      if (r.status !== 200) refused = { status: r.status, field: r.raw };
    } else {
      const channel = kind === 'sms' || kind === 'lms' || kind === 'mms' ? 'text_message' : kind;
      const template =
        channel === 'text_message'
          ? { kind, ...(kind === 'sms' ? {} : { title }), body }
          : channel === 'email'
            ? { subject: pre + title, text: rawBody }
            : { title: pre + title, body: rawBody };
      const c = await w.admin('POST', '/campaigns', {
        name: `c${n}`,
        channel,
        status: 'active',
        consent_class: asked ? 'advertising' : 'informational',
        send_time: { type: 'api' },
        template,
      });
      if (c.status !== 201) {
        refused = { status: c.status, field: c.body?.error?.field };
        campaignId = '';
      } else {
        campaignId = c.body.campaign.id;
        expectOk(await w.notifly('POST', `/campaign/${w.project.id}/${campaignId}/send`, { recipients: [{ type: 'user-id', userId: 'kim' }] }), 200);
      }
    }
    if (refused) {
      // Only an advertising SMS that no longer fits 90 bytes once marked may be refused, naming the body.
      expect(advertising, JSON.stringify(refused)).toBe(true);
      expect(['sms', 'direct_sms']).toContain(kind);
      expect(refused.status).toBe(400);
      expect(String(refused.field)).toMatch(/body/);
      counted.refused = (counted.refused ?? 0) + 1;
      return;
    }
    await w.runtime.queue.drain();
    const out = await fresh(campaignId);
    expect(out.length, `${kind} ${advertising}`).toBe(1);
    counted[`${kind}:${advertising}`] = (counted[`${kind}:${advertising}`] ?? 0) + 1;
    for (const m of out) {
      if (kind === 'email') {
        if (advertising) {
          expect(m.subject.startsWith('(광고)'), m.subject).toBe(true);
          if (pre.startsWith('(광고)')) expect(m.subject.slice(4)).not.toMatch(/^\s*\(광고\)/); // an exact marking is not doubled
          expect(m.text).toMatch(/\n수신거부\(Unsubscribe\): \S+\/u\/\S+$/);
          expect(m.headers['List-Unsubscribe']).toMatch(/\/u\//);
        } else expect([m.subject, m.text]).toEqual([pre + title, rawBody]);
        continue;
      }
      const shown = kind === 'friendtalk' ? m.text : kind === 'push' || kind === 'web_push' ? `${m.title}\n${m.body}` : m.body;
      if (!advertising) {
        if (kind === 'friendtalk') expect(m.text).toBe(body);
        else if (kind === 'push' || kind === 'web_push') expect([m.title, m.body]).toEqual([pre + title, rawBody]);
        else expect(m.body).toBe(body);
        continue;
      }
      expect(shown.startsWith('(광고) 마루샵'), shown).toBe(true);
      // An exact marking already there is not doubled; a variant (` (광고)`, `[광고]`) is not the marking, and the real
      // one goes in front of it (docs/korean-messaging.md "Marking").
      if (pre.startsWith('(광고)')) expect(shown.slice('(광고) 마루샵'.length)).not.toMatch(/^\s*\(광고\)/);
      const end =
        kind === 'friendtalk' ? '\n수신거부: 채널 차단' : kind === 'push' || kind === 'web_push' ? '\n수신거부: 설정 > 알림' : '\n무료수신거부 080-123-4567';
      expect(shown.endsWith(end), shown).toBe(true);
    }
  }
}, 240_000);
