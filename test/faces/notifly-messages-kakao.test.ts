import { afterEach, describe, expect, it } from 'vitest';
import { startNhnCloudFake, type NhnCloudFake } from '../fakes/nhn-cloud.fake.ts';
import {
  addUser,
  configureChannel,
  deliveriesOf,
  drain,
  expectOk,
  hangul,
  messagingWorld,
  outboxOf,
  setSandbox,
  setUp,
  totals,
  type MessagingWorld,
} from './messaging.helpers.ts';

let w: MessagingWorld;
let fake: NhnCloudFake | undefined;
let smsFake: NhnCloudFake | undefined;
afterEach(async () => {
  await w?.close();
  await fake?.close();
  await smsFake?.close();
  fake = smsFake = undefined;
});

const SENDER_KEY = 'a'.repeat(40);
const ORDER_TEMPLATE = {
  templateId: 'order-received',
  templateCode: 'ORDER01',
  content: '#{고객명}님, 주문 #{주문번호}이 접수되었습니다.',
  buttons: [
    { type: 'WL', name: '주문 조회', linkMo: 'https://m.shop.example.com/orders', linkPc: 'https://shop.example.com/orders' },
    { type: 'AL', name: '앱 열기', schemeIos: 'shop://orders', schemeAndroid: 'shop://orders' },
  ],
};
const WELCOME_TEMPLATE = { templateId: 'template-id', templateCode: 'WELCOME', content: '#{user_name}님 환영합니다' };

const alimtalk = (body: Record<string, unknown>) => w.notifly('POST', '/messages/kakao-alimtalk', { projectId: w.project.id, ...body });
const friendtalk = (body: Record<string, unknown>) => w.notifly('POST', '/messages/kakao-friendtalk', { projectId: w.project.id, ...body });

async function kakaoProject(options: { start?: string; text?: boolean } = {}): Promise<void> {
  w = await messagingWorld({ start: options.start, settings: { advertising: { senderName: '마루' } } });
  await setUp(w, {
    kakaoChannels: [
      { channelId: '@maru', senderKey: SENDER_KEY },
      { channelId: '@maru-events', senderKey: 'b'.repeat(40) },
    ],
    templates: [ORDER_TEMPLATE, WELCOME_TEMPLATE],
    ...(options.text ? { senderNumbers: ['1544-6859'], sandboxTextSending: true } : {}),
  });
}

describe('POST /messages/kakao-alimtalk', () => {
  it('sends the seed sample: the registered template filled per recipient from templateParameter', async () => {
    await kakaoProject();
    const r = await alimtalk({
      templateId: 'template-id',
      senderGroupingKey: 'welcome-2025',
      recipientList: [
        { recipientNo: '01012345678', templateParameter: { user_name: 'Notifly User' } },
        { recipientNo: '01056781234', templateParameter: { user_name: 'Notifly Customer' } },
      ],
    });
    expect([r.status, r.raw]).toEqual([200, '{"success":true}']);
    await drain(w);
    const outbox = (await outboxOf(w, 'direct_alimtalk')).sort((a, b) => (a.recipient < b.recipient ? -1 : 1));
    expect(outbox.map((o) => [o.channel, o.message])).toEqual([
      [
        'kakao_alimtalk',
        {
          senderKey: SENDER_KEY,
          templateCode: 'WELCOME',
          to: '+821012345678',
          content: 'Notifly User님 환영합니다',
          templateParameter: { user_name: 'Notifly User' },
          senderGroupingKey: 'welcome-2025',
        },
      ],
      [
        'kakao_alimtalk',
        {
          senderKey: SENDER_KEY,
          templateCode: 'WELCOME',
          to: '+821056781234',
          content: 'Notifly Customer님 환영합니다',
          templateParameter: { user_name: 'Notifly Customer' },
          senderGroupingKey: 'welcome-2025',
        },
      ],
    ]);
    expect(await totals(w, 'direct_alimtalk')).toEqual({ send_success: 2 });

    // channelId picks another registered channel.
    expectOk(
      await alimtalk({
        templateId: 'template-id',
        channelId: '@maru-events',
        recipientList: [{ recipientNo: '01099990000', templateParameter: { user_name: 'x' } }],
      }),
      200,
    );
    await drain(w);
    expect((await outboxOf(w, 'direct_alimtalk')).find((o) => o.recipient === '+821099990000').message.senderKey).toBe('b'.repeat(40));
  });

  it('answers 400 naming the field and the limit, and records nothing', async () => {
    await kakaoProject();
    const ok = { recipientNo: '01012345678', templateParameter: { user_name: 'a' } };
    const cases: [Record<string, unknown>, string][] = [
      [{ recipientList: [ok] }, 'templateId is required (the id of a registered alimtalk template)'],
      [{ templateId: 'nope', recipientList: [ok] }, 'templateId nope is not a registered alimtalk template of this project'],
      [
        { templateId: 'template-id', recipientList: [ok, { recipientNo: '01012345679', templateParameter: { name: 'b' } }] },
        'recipientList[1].templateParameter has no value for #{user_name} of template template-id',
      ],
      [
        { templateId: 'order-received', recipientList: [{ recipientNo: '01012345678', templateParameter: { 고객명: '김' } }] },
        'recipientList[0].templateParameter has no value for #{주문번호} of template order-received',
      ],
      [
        { templateId: 'template-id', recipientList: [{ recipientNo: '01012345678' }] },
        'recipientList[0].templateParameter has no value for #{user_name} of template template-id',
      ],
      [
        { templateId: 'template-id', recipientList: [{ recipientNo: '+82-10-1234-5678', templateParameter: { user_name: 'a' } }] },
        'recipientList[0].recipientNo is 16 characters; at most 15',
      ],
      [
        { templateId: 'template-id', recipientList: [{ recipientNo: '010', templateParameter: { user_name: 'a' } }] },
        'recipientList[0].recipientNo "010" is not a phone number',
      ],
      [{ templateId: 'template-id', senderGroupingKey: 'k'.repeat(101), recipientList: [ok] }, 'senderGroupingKey is 101 characters; at most 100'],
      [
        { templateId: 'template-id', channelId: '@other', recipientList: [ok] },
        'channelId @other is not a registered Kakao channel of this project (registered: @maru, @maru-events)',
      ],
      [
        { templateId: 'template-id', recipientList: [{ ...ok, templateParameter: { user_name: { x: 1 } } }] },
        'recipientList[0].templateParameter.user_name must be a string',
      ],
      [
        { templateId: 'template-id', recipientList: [{ ...ok, templateParameter: { user_name: 'x'.repeat(995) } }] },
        'the alimtalk for recipientList[0] is 1002 characters once filled; Kakao allows at most 1000',
      ],
      [
        { templateId: 'template-id', recipientList: [{ ...ok, resendParameter: { isResend: true } }] },
        expect.stringMatching(
          /^SMS\/LMS failover \(resendParameter.isResend\) can be sent only when the project's own text-message sending is configured: no sender number/,
        ) as unknown as string,
      ],
      [
        { templateId: 'template-id', recipientList: [{ ...ok, resendParameter: { isResend: 'yes' } }] },
        'recipientList[0].resendParameter.isResend must be a boolean or null',
      ],
      [
        { templateId: 'template-id', recipientList: [{ ...ok, resendParameter: { isResend: true, resendType: 'MMS' } }] },
        'recipientList[0].resendParameter.resendType must be SMS or LMS',
      ],
    ];
    for (const [body, error] of cases) {
      const r = await alimtalk(body);
      expect([r.status, r.body]).toEqual([400, { error }]);
    }
    const many = await alimtalk({ templateId: 'template-id', recipientList: Array.from({ length: 1001 }, () => ok) });
    expect([many.status, many.body]).toEqual([400, { error: 'at most 1000 recipients per request, got 1001' }]);
    await drain(w);
    expect((await w.admin('GET', '/campaigns/direct_alimtalk')).status).toBe(404);
  });

  it('checks failover texts against the carrier limits and the registered sender numbers', async () => {
    await kakaoProject({ text: true });
    const one = (resendParameter: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      alimtalk({
        templateId: 'template-id',
        ...extra,
        recipientList: [{ recipientNo: '01012345678', templateParameter: { user_name: 'a' }, resendParameter }],
      });
    expect((await one({ isResend: true, resendType: 'SMS', resendContent: hangul(46) })).body).toEqual({
      error:
        'recipientList[0].resendParameter.resendContent is 92 bytes; SMS allows at most 90 bytes (EUC-KR/CP949 bytes as Korean carriers count them: Hangul 2, ASCII 1)',
    });
    expect((await one({ isResend: true, resendType: 'LMS', resendTitle: hangul(21) })).body).toEqual({
      error:
        'recipientList[0].resendParameter.resendTitle is 42 bytes; LMS allows at most 40 bytes (EUC-KR/CP949 bytes as Korean carriers count them: Hangul 2, ASCII 1)',
    });
    expect((await one({ isResend: true, resendContent: '실패 😢' })).body).toEqual({
      error: 'recipientList[0].resendParameter.resendContent contains characters Korean carriers cannot send (not in EUC-KR/CP949): 😢',
    });
    expect((await one({ isResend: true }, { resendSendNo: '0212345678' })).body).toEqual({
      error: 'resendSendNo 0212345678 is not a registered sender number of this project (registered: 15446859)',
    });
    // isResend false: the other fields are not used (nor checked against the limits).
    expect((await one({ isResend: false, resendContent: hangul(2000) })).status).toBe(200);
  });

  it('sends the SMS/LMS failover when the alimtalk fails for good, with the seed defaults, counted as failover_text_message_send_*', async () => {
    await kakaoProject({ text: true });
    await setSandbox(w, [
      {
        recipients: ['+821011110000', '+821022220000', '+821033330000', '+821044440000', '+821055550000'],
        channels: ['kakao_alimtalk'],
        mode: 'permanent',
        reason: 'not a kakao user',
      },
      { recipients: ['+821044440000'], channels: ['text_message'], mode: 'permanent', reason: 'carrier refused' },
    ]);
    const params = (n: string) => ({ 고객명: '김', 주문번호: n });
    expectOk(
      await alimtalk({
        templateId: 'order-received',
        recipientList: [
          // default content (message + web-link button) fits an SMS
          { recipientNo: '01011110000', templateParameter: params('A1'), resendParameter: { isResend: true } },
          // resendType, resendTitle and resendContent given
          {
            recipientNo: '01022220000',
            templateParameter: params('A2'),
            resendParameter: { isResend: true, resendType: 'LMS', resendTitle: '주문 안내', resendContent: '주문 A2 접수' },
          },
          // default content too long for an SMS: LMS titled with the channel id
          { recipientNo: '01033330000', templateParameter: { 고객명: hangul(30), 주문번호: 'A3' }, resendParameter: { isResend: true } },
          // the failover fails too
          { recipientNo: '01044440000', templateParameter: params('A4'), resendParameter: { isResend: true } },
          // fails, no failover asked for
          { recipientNo: '01055550000', templateParameter: params('A5') },
        ],
      }),
      200,
    );
    await drain(w);

    const texts = (await outboxOf(w, 'direct_alimtalk')).filter((o) => o.channel === 'text_message').sort((a, b) => (a.recipient < b.recipient ? -1 : 1));
    expect(texts.map((o) => [o.state, o.message])).toEqual([
      [
        'delivered',
        { kind: 'sms', from: '15446859', to: '+821011110000', body: '김님, 주문 A1이 접수되었습니다.\n주문 조회 - https://m.shop.example.com/orders' },
      ],
      ['delivered', { kind: 'lms', from: '15446859', to: '+821022220000', title: '주문 안내', body: '주문 A2 접수' }],
      [
        'delivered',
        {
          kind: 'lms',
          from: '15446859',
          to: '+821033330000',
          title: '@maru',
          body: `${hangul(30)}님, 주문 A3이 접수되었습니다.\n주문 조회 - https://m.shop.example.com/orders`,
        },
      ],
      [
        'failed',
        { kind: 'sms', from: '15446859', to: '+821044440000', body: '김님, 주문 A4이 접수되었습니다.\n주문 조회 - https://m.shop.example.com/orders' },
      ],
    ]);
    const deliveries = await deliveriesOf(w, 'direct_alimtalk');
    const failovers = deliveries.filter((d) => d.trigger === 'failover');
    expect(failovers.map((d) => [d.address, d.channel, d.state, d.metric]).sort()).toEqual([
      ['+821011110000', 'text_message', 'sent', 'failover_text_message_send_success'],
      ['+821022220000', 'text_message', 'sent', 'failover_text_message_send_success'],
      ['+821033330000', 'text_message', 'sent', 'failover_text_message_send_success'],
      ['+821044440000', 'text_message', 'failed', 'failover_text_message_send_failure'],
    ]);
    expect(failovers.every((f) => deliveries.some((d) => d.id === f.parent_id && d.state === 'failed' && d.address === f.address))).toBe(true);
    expect(await totals(w, 'direct_alimtalk')).toEqual({ send_failure: 5, failover_text_message_send_success: 3, failover_text_message_send_failure: 1 });
  });

  it('fails over from the NHN Cloud Bizmessage fake to the NHN Cloud SMS fake: the exact requests, and the metrics', async () => {
    fake = await startNhnCloudFake({ appKey: 'KakaoKey', secretKey: 'Secret1' });
    smsFake = await startNhnCloudFake({ appKey: 'SmsKey', secretKey: 'Secret2' });
    await kakaoProject();
    await setUp(w, { senderNumbers: ['1544-6859'] });
    await configureChannel(w, 'kakao_alimtalk', 'nhn-bizmessage', { appKey: 'KakaoKey', secretKey: 'Secret1', baseUrl: fake.baseUrl });
    await configureChannel(w, 'text_message', 'nhn-cloud', { appKey: 'SmsKey', secretKey: 'Secret2', baseUrl: smsFake.baseUrl });
    fake.onRecipient('01022220000', { kind: 'recipient-error', resultCode: -3010, resultMessage: 'content does not match the template' });
    const r = await alimtalk({
      templateId: 'order-received',
      recipientList: [
        { recipientNo: '01011110000', templateParameter: { 고객명: '김', 주문번호: 'B1' }, resendParameter: { isResend: true } },
        { recipientNo: '01022220000', templateParameter: { 고객명: '이', 주문번호: 'B2' }, resendParameter: { isResend: true, resendType: 'LMS' } },
      ],
    });
    expectOk(r, 200);
    await drain(w);
    expect([...fake.violations, ...smsFake.violations]).toEqual([]);
    const sent = [...fake.accepted, ...smsFake.accepted].map((m) => [m.channel, m.recipientNo, m.body]).sort((a, b) => (String(a[1]) < String(b[1]) ? -1 : 1));
    expect(sent).toEqual([
      [
        'alimtalk',
        '01011110000',
        {
          senderKey: SENDER_KEY,
          templateCode: 'ORDER01',
          recipientList: [{ recipientNo: '01011110000', templateParameter: { 고객명: '김', 주문번호: 'B1' } }],
        },
      ],
      [
        'mms',
        '01022220000',
        {
          body: '이님, 주문 B2이 접수되었습니다.\n주문 조회 - https://m.shop.example.com/orders',
          sendNo: '15446859',
          title: '@maru',
          recipientList: [{ recipientNo: '01022220000' }],
        },
      ],
    ]);
    const deliveries = await deliveriesOf(w, 'direct_alimtalk');
    expect(deliveries.map((d) => [d.channel, d.address, d.state, d.metric, d.provider]).sort()).toEqual([
      ['kakao_alimtalk', '+821011110000', 'sent', 'send_success', 'nhn-bizmessage'],
      ['kakao_alimtalk', '+821022220000', 'failed', 'send_failure', 'nhn-bizmessage'],
      ['text_message', '+821022220000', 'sent', 'failover_text_message_send_success', 'nhn-cloud'],
    ]);
    expect(deliveries.find((d) => d.state === 'failed').reason).toBe('nhn-bizmessage: result code -3010 (content does not match the template)');
    expect(await totals(w, 'direct_alimtalk')).toEqual({ send_success: 1, send_failure: 1, failover_text_message_send_success: 1 });

    // A failover the SMS API refuses counts as failover_text_message_send_failure.
    fake.onRecipient('01033330000', { kind: 'recipient-error', resultCode: -3010 });
    smsFake.onRecipient('01033330000', { kind: 'recipient-error', resultCode: -2019, resultMessage: 'invalid recipient' });
    expectOk(
      await alimtalk({
        templateId: 'template-id',
        recipientList: [{ recipientNo: '01033330000', templateParameter: { user_name: '박' }, resendParameter: { isResend: true } }],
      }),
      200,
    );
    await drain(w);
    expect([...fake.accepted, ...smsFake.accepted].filter((m) => m.recipientNo === '01033330000')).toEqual([]);
    expect(smsFake.requests.filter((q) => q.path.endsWith('/sender/sms')).map((q) => (q.json as { body: string }).body)).toEqual(['박님 환영합니다']);
    expect(await totals(w, 'direct_alimtalk')).toEqual({
      send_success: 1,
      send_failure: 2,
      failover_text_message_send_success: 1,
      failover_text_message_send_failure: 1,
    });
  });
});

describe('POST /messages/kakao-friendtalk', () => {
  it("sends the seed sample (text, not advertising) through the project's Kakao provider", async () => {
    await kakaoProject();
    const r = await friendtalk({ messageType: 'text', isAd: false, recipientList: [{ recipientNo: '01012345678', content: { text: 'test' } }] });
    expect([r.status, r.raw]).toEqual([200, '{"success":true}']);
    await drain(w);
    expect((await outboxOf(w, 'direct_friendtalk')).map((o) => [o.channel, o.message])).toEqual([
      ['kakao_friendtalk', { senderKey: SENDER_KEY, to: '+821012345678', text: 'test', isAd: false }],
    ]);
    expect(await totals(w, 'direct_friendtalk')).toEqual({ send_success: 1 });
  });

  it('takes only text messages and answers 400 naming the field', async () => {
    await kakaoProject();
    const ok = { recipientNo: '01012345678', content: { text: 'hi' } };
    const cases: [Record<string, unknown>, string][] = [
      [{ recipientList: [ok] }, 'messageType is required ("text")'],
      [{ messageType: 'image', recipientList: [ok] }, 'messageType "image" is not supported; only "text" is'],
      [{ messageType: 'wide', recipientList: [ok] }, 'messageType "wide" is not supported; only "text" is'],
      [{ messageType: 'text', recipientList: [{ recipientNo: '01012345678' }] }, 'recipientList[0].content is required'],
      [{ messageType: 'text', recipientList: [{ recipientNo: '01012345678', content: { text: '' } }] }, 'recipientList[0].content.text is required'],
      [
        { messageType: 'text', recipientList: [{ recipientNo: '01012345678', content: { text: 'x'.repeat(1001) } }] },
        'recipientList[0].content.text is 1001 characters; Kakao allows at most 1000',
      ],
      [{ messageType: 'text', isAd: 'no', recipientList: [ok] }, 'isAd must be a boolean or null'],
      [
        { messageType: 'text', channelId: '@x', recipientList: [ok] },
        'channelId @x is not a registered Kakao channel of this project (registered: @maru, @maru-events)',
      ],
    ];
    for (const [body, error] of cases) {
      const r = await friendtalk(body);
      expect([r.status, r.body]).toEqual([400, { error }]);
    }
    const marked = await friendtalk({ messageType: 'text', isAd: true, recipientList: [{ recipientNo: '01012345678', content: { text: 'x'.repeat(981) } }] });
    expect([marked.status, marked.body]).toEqual([
      400,
      { error: 'recipientList[0].content.text is 1001 characters with the advertising marking and opt-out line; Kakao allows at most 1000' },
    ]);
    expect(
      (await friendtalk({ messageType: 'text', isAd: true, recipientList: [{ recipientNo: '01012345678', content: { text: 'x'.repeat(980) } }] })).status,
    ).toBe(200);
    expect((await w.admin('GET', '/campaigns/direct_friendtalk')).status).toBe(404);
  });

  it('marks advertising friendtalk (광고) and sends it only to recipients who opted in to Kakao ads', async () => {
    await kakaoProject();
    await addUser(w.runtime, w.project.id, { userId: 'kim', phone: '01011112222', properties: { df_kakao_ads_optin: true } });
    await addUser(w.runtime, w.project.id, { userId: 'lee', phone: '01033334444', properties: { df_kakao_ads_optin: false } });
    expectOk(
      await friendtalk({
        messageType: 'text',
        isAd: true,
        recipientList: [
          { recipientNo: '01011112222', content: { text: '주말 특가' } },
          { recipientNo: '01033334444', content: { text: '주말 특가' } },
          { recipientNo: '01055556666', content: { text: '(광고) 이미 표시됨' } },
        ],
      }),
      200,
    );
    await drain(w);
    expect((await outboxOf(w, 'direct_friendtalk_ad')).map((o) => o.message)).toEqual([
      { senderKey: SENDER_KEY, to: '+821011112222', text: '(광고) 마루 주말 특가\n수신거부: 채널 차단', isAd: true },
    ]);
    const deliveries = await deliveriesOf(w, 'direct_friendtalk_ad');
    expect(deliveries.map((d) => [d.address, d.state, d.reason, d.rendered.message.text])).toEqual([
      ['+821011112222', 'sent', null, '(광고) 마루 주말 특가\n수신거부: 채널 차단'],
      ['+821033334444', 'skipped', 'no_consent:df_kakao_ads_optin', '(광고) 마루 주말 특가\n수신거부: 채널 차단'],
      ['+821055556666', 'skipped', 'no_consent:df_kakao_ads_optin', '(광고) 마루 이미 표시됨\n수신거부: 채널 차단'],
    ]);
    expect(await totals(w, 'direct_friendtalk_ad')).toEqual({ send_success: 1, skipped__excluded_user_filter: 2 });
  });

  it('refuses advertising friendtalk between 21:00 and 08:00 project time (ManualClock at 21:30 KST); informational friendtalk still goes', async () => {
    await kakaoProject({ start: '2025-01-06T12:30:00.000Z' }); // 21:30 KST
    await addUser(w.runtime, w.project.id, { userId: 'kim', phone: '01011112222', properties: { df_kakao_ads_optin: true } });
    const ad = (text: string) => friendtalk({ messageType: 'text', isAd: true, recipientList: [{ recipientNo: '01011112222', content: { text } }] });
    const night = await ad('야간 특가');
    expect([night.status, night.body]).toEqual([
      400,
      {
        error: `advertising friendtalk cannot be sent between 21:00 and 08:00 (project time Asia/Seoul, now 21:30); Kakao does not deliver advertising friendtalk at night`,
      },
    ]);
    expect((await w.admin('GET', '/campaigns/direct_friendtalk_ad')).status).toBe(404);
    expectOk(await friendtalk({ messageType: 'text', recipientList: [{ recipientNo: '01011112222', content: { text: '배송 시작' } }] }), 200);
    await drain(w);
    expect(await totals(w, 'direct_friendtalk')).toEqual({ send_success: 1 });

    w.clock.set('2025-01-06T22:59:00.000Z'); // 07:59 KST
    await w.reauth();
    expect((await ad('아침 특가')).status).toBe(400);
    w.clock.set('2025-01-06T23:00:00.000Z'); // 08:00 KST
    expect((await ad('아침 특가')).status).toBe(200);
    w.clock.set('2025-01-07T11:59:59.000Z'); // 20:59:59 KST: accepted...
    await w.reauth();
    expectOk(await ad('마감 특가'), 200);
    w.clock.set('2025-01-07T12:00:30.000Z'); // ...but its delivery runs at 21:00:30: skipped
    await drain(w);
    const deliveries = await deliveriesOf(w, 'direct_friendtalk_ad');
    expect(deliveries.map((d) => [d.rendered.message.text, d.state, d.metric])).toEqual([
      ['(광고) 마루 아침 특가\n수신거부: 채널 차단', 'skipped', 'skipped__forbidden_timing_filter'],
      ['(광고) 마루 마감 특가\n수신거부: 채널 차단', 'skipped', 'skipped__forbidden_timing_filter'],
    ]);
    expect(deliveries[1].reason).toBe('night_ads: advertising Kakao messages are not sent between 21:00 and 08:00 (it was 21:00)');
    expect(await totals(w, 'direct_friendtalk_ad')).toEqual({ skipped__forbidden_timing_filter: 2 });
  });

  it('sends friendtalk through the NHN Cloud Bizmessage fake: the exact request', async () => {
    fake = await startNhnCloudFake({ appKey: 'AppKey1', secretKey: 'Secret1' });
    await kakaoProject();
    await configureChannel(w, 'kakao_alimtalk', 'nhn-bizmessage', { appKey: 'AppKey1', secretKey: 'Secret1', baseUrl: fake.baseUrl });
    await addUser(w.runtime, w.project.id, { userId: 'kim', phone: '01011112222', properties: { df_kakao_ads_optin: true } });
    expectOk(
      await friendtalk({
        messageType: 'text',
        channelId: '@maru-events',
        isAd: true,
        recipientList: [{ recipientNo: '010-1111-2222', content: { text: '할인 쿠폰' } }],
      }),
      200,
    );
    await drain(w);
    expect(fake.violations).toEqual([]);
    expect(fake.accepted.map((m) => [m.channel, m.body])).toEqual([
      [
        'friendtalk',
        { senderKey: 'b'.repeat(40), recipientList: [{ recipientNo: '01011112222', content: '(광고) 마루 할인 쿠폰\n수신거부: 채널 차단', isAd: true }] },
      ],
    ]);
    const [d] = await deliveriesOf(w, 'direct_friendtalk_ad');
    expect([d.state, d.provider, d.provider_message_id]).toEqual(['sent', 'nhn-bizmessage', `friendtalk:${fake.accepted[0].requestId}:1`]);
    expect(fake.accepted[0].idempotencyKey).toBe(d.idempotency_key);
  });
});
