import { BarChart } from '@mantine/charts';
import { useTranslation } from 'react-i18next';

/**
 * Counts per day as a bar chart. The chart is one image to assistive technology, named by its title and the days
 * that have a count ("Events per day (Asia/Seoul): 12-04 3"), so what the bars show is also read out.
 */
export function DayChart({ title, days, height }: { title: string; days: { date: string; count: number }[]; height: number }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  const data = days.map((d) => ({ day: d.date.slice(5), count: d.count }));
  const described = data.filter((d) => d.count > 0).map((d) => `${d.day} ${nf.format(d.count)}`);
  return (
    <div role="img" aria-label={described.length ? `${title}: ${described.join(', ')}` : title}>
      <BarChart h={height} data={data} dataKey="day" series={[{ name: 'count', label: t('events.count'), color: 'indigo.6' }]} />
    </div>
  );
}
