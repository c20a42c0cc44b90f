import { useTranslation } from 'react-i18next';

/** A small bar chart of sends per day; its label says every day's number, for people who do not see it. */
export function Sparkline({ days, values }: { days: string[]; values: number[] }) {
  const { t } = useTranslation();
  const max = Math.max(1, ...values);
  const w = 4;
  const gap = 1;
  const h = 24;
  const total = values.reduce((a, b) => a + b, 0);
  const label = t('campaigns.list.sparkline', {
    total,
    days: days.length,
    list: days.map((d, i) => `${d.slice(5)} ${values[i] ?? 0}`).join(', '),
  });
  return (
    <svg width={days.length * (w + gap)} height={h} role="img" aria-label={label} data-total={total}>
      <title>{label}</title>
      {values.map((v, i) => {
        const bh = v === 0 ? 1 : Math.max(2, Math.round((v / max) * h));
        return <rect key={days[i]} x={i * (w + gap)} y={h - bh} width={w} height={bh} fill={v === 0 ? '#ced4da' : '#1c7ed6'} />;
      })}
    </svg>
  );
}
