import type { Messages } from "../../i18n/types";

const en = {
  title: "Log in to mongo-admin",
  username: "Username",
  password: "Password",
  submit: "Log in",
  submitting: "Logging in…",
  firstRunTitle: "No administrator yet",
  firstRun:
    "This platform has no administrator. On the API's machine, create one with the command below, then log in here.",
};

export const login: Messages<typeof en> = {
  en,
  ko: {
    title: "mongo-admin 로그인",
    username: "사용자 이름",
    password: "비밀번호",
    submit: "로그인",
    submitting: "로그인 중…",
    firstRunTitle: "아직 관리자가 없습니다",
    firstRun: "이 플랫폼에는 관리자가 없습니다. API가 실행되는 서버에서 아래 명령으로 관리자를 만든 다음 여기에서 로그인하세요.",
  },
};
