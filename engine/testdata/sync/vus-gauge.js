// vus as k6 samples it: every second while the VUs run, so the summary's last value shows the two
// VUs that ran, not the 0 of their release at the end.
import { sleep } from 'k6';

export const options = { vus: 2, duration: '2500ms' };

export default function () {
  sleep(0.2);
}
