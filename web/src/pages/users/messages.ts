import type { Messages } from "../../i18n/types";

const en = {
  title: "Users and roles",
  intro: "Accounts of the dashboard and the API. Changes take effect at once: a disabled user is signed out everywhere.",
  adminOnly: "Only administrators manage users. Ask an administrator if your role should change.",
  list: {
    caption: "Platform users",
    count: "Users: {{count}}",
    username: "Username",
    role: "Role",
    status: "Status",
    created: "Created",
    lastLogin: "Last login",
    actions: "Actions",
    never: "never",
    you: "you",
    active: "active",
    disabled: "disabled",
  },
  actions: {
    roleOf: "Role of {{username}}",
    changeRole: "Change role",
    changeRoleOf: "Change role of {{username}}",
    disable: "Disable",
    disableUser: "Disable {{username}}",
    enable: "Enable",
    enableUser: "Enable {{username}}",
    delete: "Delete",
    deleteUser: "Delete {{username}}",
  },
  confirm: {
    disableTitle: "Disable {{username}}?",
    disableBody:
      "{{username}} can no longer log in: their browser sessions end now and their API tokens are refused until they are enabled again.",
    disableConfirm: "Disable user",
    deleteTitle: "Delete {{username}}?",
    deleteBody:
      "The user and all of their API tokens are removed. This cannot be undone; what they did stays in the audit trail.",
    deleteConfirm: "Delete user",
    demoteSelfTitle: "Give up your admin role?",
    demoteSelfBody:
      "You become {{role}} at once and lose this page and the audit trail. Only another administrator can give the role back.",
    demoteSelfConfirm: "Change my role",
  },
  done: {
    created: "User {{username}} created as {{role}}.",
    role: "{{username}} is now {{role}}.",
    disabled: "{{username}} is disabled.",
    enabled: "{{username}} is enabled.",
    deleted: "{{username}} was deleted.",
  },
  create: {
    title: "Add a user",
    username: "Username",
    usernameHint: "Letters, digits and . _ @ - (at most 64 characters).",
    role: "Role",
    password: "Password",
    submit: "Create user",
    submitting: "Creating…",
  },
  roles: {
    title: "What each role may do",
    viewer: "Reads everything: clusters, topology, metrics, backups, restores, jobs and schedules.",
    operator:
      "What a viewer does, and runs the operations: backups, verifications, restores, deployments, stopping and starting members, cancelling jobs, pausing and resuming schedules.",
    admin:
      "What an operator does, and manages the platform: users, the audit trail, registering clusters, creating, editing and deleting schedules, destroying clusters.",
  },
};

export const users: Messages<typeof en> = {
  en,
  ko: {
    title: "사용자와 역할",
    intro: "대시보드와 API에 접속하는 계정입니다. 변경은 바로 적용되며, 비활성화된 사용자는 모든 곳에서 로그아웃됩니다.",
    adminOnly: "사용자 관리는 관리자만 할 수 있습니다. 역할을 바꿔야 한다면 관리자에게 요청하세요.",
    list: {
      caption: "플랫폼 사용자",
      count: "사용자 {{count}}명",
      username: "사용자 이름",
      role: "역할",
      status: "상태",
      created: "생성 시각",
      lastLogin: "마지막 로그인",
      actions: "작업",
      never: "없음",
      you: "나",
      active: "활성",
      disabled: "비활성",
    },
    actions: {
      roleOf: "{{username}}의 역할",
      changeRole: "역할 변경",
      changeRoleOf: "역할 변경: {{username}}",
      disable: "비활성화",
      disableUser: "비활성화: {{username}}",
      enable: "활성화",
      enableUser: "활성화: {{username}}",
      delete: "삭제",
      deleteUser: "삭제: {{username}}",
    },
    confirm: {
      disableTitle: "{{username}} 계정을 비활성화할까요?",
      disableBody:
        "{{username}}은(는) 더 이상 로그인할 수 없습니다. 브라우저 세션은 지금 끝나고, 다시 활성화할 때까지 API 토큰도 거부됩니다.",
      disableConfirm: "비활성화",
      deleteTitle: "{{username}} 계정을 삭제할까요?",
      deleteBody: "사용자와 그 사용자의 API 토큰이 모두 삭제되며 되돌릴 수 없습니다. 이 사용자가 한 작업은 감사 로그에 남습니다.",
      deleteConfirm: "사용자 삭제",
      demoteSelfTitle: "관리자 역할을 내려놓을까요?",
      demoteSelfBody:
        "바로 {{role}} 역할이 되어 이 페이지와 감사 로그를 볼 수 없게 됩니다. 역할은 다른 관리자만 되돌려 줄 수 있습니다.",
      demoteSelfConfirm: "내 역할 변경",
    },
    done: {
      created: "{{username}} 사용자를 {{role}} 역할로 만들었습니다.",
      role: "{{username}}의 역할이 {{role}}(으)로 바뀌었습니다.",
      disabled: "{{username}} 계정을 비활성화했습니다.",
      enabled: "{{username}} 계정을 활성화했습니다.",
      deleted: "{{username}} 계정을 삭제했습니다.",
    },
    create: {
      title: "사용자 추가",
      username: "사용자 이름",
      usernameHint: "영문자, 숫자와 . _ @ - 만 쓸 수 있습니다(최대 64자).",
      role: "역할",
      password: "비밀번호",
      submit: "사용자 만들기",
      submitting: "만드는 중…",
    },
    roles: {
      title: "역할별로 할 수 있는 일",
      viewer: "클러스터, 토폴로지, 메트릭, 백업, 복원, 작업, 일정을 모두 조회합니다.",
      operator:
        "조회자가 하는 일에 더해 운영 작업을 실행합니다: 백업과 검증, 복원, 배포, 멤버 중지와 시작, 작업 취소, 일정 일시 중지와 재개.",
      admin:
        "운영자가 하는 일에 더해 플랫폼을 관리합니다: 사용자, 감사 로그, 클러스터 등록, 일정 생성·수정·삭제, 클러스터 제거.",
    },
  },
};
