// Messages shared by every page: navigation, states, buttons, errors.
import type { Messages } from "./types";

const en = {
  appName: "mongo-admin",
  skipToContent: "Skip to content",
  nav: {
    label: "Main",
    clusters: "Clusters",
    topology: "Topology",
    metrics: "Metrics",
    backups: "Backups",
    restore: "Restore",
    jobs: "Jobs",
    schedules: "Schedules",
    users: "Users",
    audit: "Audit",
  },
  language: { label: "Language", en: "English", ko: "한국어" },
  user: { signedInAs: "Signed in as {{username}} ({{role}})", logout: "Log out" },
  roles: { viewer: "viewer", operator: "operator", admin: "admin" },
  states: { loading: "Loading…", empty: "Nothing here yet.", updated: "Updated {{when}}", stale: "stale" },
  actions: { cancel: "Cancel", confirm: "Confirm", close: "Close", retry: "Retry", save: "Save", refresh: "Refresh" },
  errors: {
    title: "Something went wrong",
    network: "The API did not answer. Is `mongo-admin api serve` running?",
    forbidden: "Your role does not allow this.",
    notFound: "Not found.",
  },
  notFound: { title: "Page not found", back: "Back to clusters" },
  sandbox: {
    banner: "Sandbox: {{cluster}} is the mongosim simulator, not a real MongoDB server. Data here is for practice.",
  },
  time: { justNow: "just now", secondsAgo: "{{count}} s ago", minutesAgo: "{{count}} min ago", hoursAgo: "{{count}} h ago" },
};

export const common: Messages<typeof en> = {
  en,
  ko: {
    appName: "mongo-admin",
    skipToContent: "본문으로 건너뛰기",
    nav: {
      label: "주 메뉴",
      clusters: "클러스터",
      topology: "토폴로지",
      metrics: "메트릭",
      backups: "백업",
      restore: "복원",
      jobs: "작업",
      schedules: "일정",
      users: "사용자",
      audit: "감사 로그",
    },
    language: { label: "언어", en: "English", ko: "한국어" },
    user: { signedInAs: "{{username}} ({{role}}) 로그인됨", logout: "로그아웃" },
    roles: { viewer: "조회자", operator: "운영자", admin: "관리자" },
    states: { loading: "불러오는 중…", empty: "아직 항목이 없습니다.", updated: "{{when}} 갱신", stale: "오래됨" },
    actions: { cancel: "취소", confirm: "확인", close: "닫기", retry: "다시 시도", save: "저장", refresh: "새로 고침" },
    errors: {
      title: "문제가 발생했습니다",
      network: "API가 응답하지 않습니다. `mongo-admin api serve`가 실행 중인지 확인하세요.",
      forbidden: "현재 역할로는 이 작업을 할 수 없습니다.",
      notFound: "찾을 수 없습니다.",
    },
    notFound: { title: "페이지를 찾을 수 없습니다", back: "클러스터 목록으로" },
    sandbox: {
      banner:
        "샌드박스: {{cluster}}은(는) 실제 MongoDB 서버가 아닌 mongosim 시뮬레이터입니다. 여기의 데이터는 연습용입니다.",
    },
    time: { justNow: "방금", secondsAgo: "{{count}}초 전", minutesAgo: "{{count}}분 전", hoursAgo: "{{count}}시간 전" },
  },
};
