-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ip" TEXT,
    "userAgent" TEXT,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "actorName" TEXT,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "targetName" TEXT,
    "ip" TEXT,
    "details" TEXT,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EnrollmentToken" (
    "id" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "hostId" TEXT,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "EnrollmentToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Host" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "os" TEXT NOT NULL,
    "arch" TEXT,
    "agentVersion" TEXT,
    "protocolVersion" INTEGER,
    "resticVersion" TEXT,
    "resticProblem" TEXT,
    "credentialHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "lastBackupAt" TIMESTAMP(3),
    "lastBackupState" TEXT,
    "lastBackupJobId" TEXT,
    "timeZone" TEXT,
    "restoreRoots" TEXT NOT NULL DEFAULT '[]',
    "maintenanceWindows" TEXT NOT NULL DEFAULT '[]',
    "alertsSnoozedUntil" TIMESTAMP(3),

    CONSTRAINT "Host_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Repository" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "displayUrl" TEXT NOT NULL,
    "urlSealed" TEXT NOT NULL,
    "passwordSealed" TEXT NOT NULL,
    "envSealed" TEXT,
    "maintenanceDisplayUrl" TEXT,
    "maintenanceUrlSealed" TEXT,
    "maintenanceEnvSealed" TEXT,
    "maintenanceHostId" TEXT,
    "resticId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'ready',
    "setupJobId" TEXT,
    "statusError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "healthAt" TIMESTAMP(3),
    "healthJobId" TEXT,
    "healthRequestedAt" TIMESTAMP(3),
    "healthError" TEXT,
    "snapshotCount" INTEGER,
    "totalSize" DOUBLE PRECISION,
    "rawSize" DOUBLE PRECISION,
    "uncompressedSize" DOUBLE PRECISION,
    "hostsJson" TEXT,
    "locksJson" TEXT,
    "lastCheckAt" TIMESTAMP(3),
    "lastCheckOk" BOOLEAN,
    "lastCheckJobId" TEXT,
    "lastCheckSuccessAt" TIMESTAMP(3),

    CONSTRAINT "Repository_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RepositoryStat" (
    "id" SERIAL NOT NULL,
    "repositoryId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "snapshotCount" INTEGER NOT NULL,
    "totalSize" DOUBLE PRECISION NOT NULL,
    "rawSize" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "RepositoryStat_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BackupSet" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "repositoryId" TEXT NOT NULL,
    "options" TEXT NOT NULL,
    "retention" TEXT,
    "forgetAfterBackup" BOOLEAN NOT NULL DEFAULT false,
    "lastDrillAt" TIMESTAMP(3),
    "lastDrillJobId" TEXT,
    "lastDrillState" TEXT,
    "lastDrillSuccessAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BackupSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "repositoryId" TEXT,
    "kind" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL DEFAULT 'backup',
    "backupSetId" TEXT,
    "params" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dispatchedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "createdByType" TEXT NOT NULL,
    "createdById" TEXT,
    "createdByName" TEXT,
    "retryOfId" TEXT,
    "scheduleId" TEXT,
    "scheduledFor" TIMESTAMP(3),
    "exitCode" INTEGER,
    "error" TEXT,
    "result" TEXT,
    "progress" TEXT,
    "logLines" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobLog" (
    "id" SERIAL NOT NULL,
    "jobId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "stream" TEXT NOT NULL,
    "line" TEXT NOT NULL,

    CONSTRAINT "JobLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Schedule" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "backupSetId" TEXT,
    "repositoryId" TEXT NOT NULL,
    "hostId" TEXT,
    "timing" TEXT NOT NULL,
    "timeZone" TEXT,
    "spreadMinutes" INTEGER NOT NULL DEFAULT 0,
    "catchUpMinutes" INTEGER,
    "overlap" TEXT NOT NULL DEFAULT 'skip',
    "options" TEXT NOT NULL DEFAULT '{}',
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "revision" INTEGER NOT NULL DEFAULT 1,
    "judgedThrough" TIMESTAMP(3) NOT NULL,
    "nextJudgeAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Schedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScheduleMiss" (
    "id" TEXT NOT NULL,
    "scheduleId" TEXT NOT NULL,
    "hostId" TEXT,
    "slot" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ScheduleMiss_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Alert" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "openKey" TEXT,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "hostId" TEXT,
    "repositoryId" TEXT,
    "backupSetId" TEXT,
    "jobId" TEXT,
    "subject" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 1,
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedBy" TEXT,
    "ackNote" TEXT,
    "resolvedAt" TIMESTAMP(3),
    "resolvedBy" TEXT,
    "lastNotifiedAt" TIMESTAMP(3),
    "snoozedUntil" TIMESTAMP(3),

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertEvent" (
    "id" TEXT NOT NULL,
    "alertId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "type" TEXT NOT NULL,
    "actor" TEXT,
    "note" TEXT,

    CONSTRAINT "AlertEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertRule" (
    "kind" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "severity" TEXT NOT NULL,
    "threshold" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertRule_pkey" PRIMARY KEY ("kind")
);

-- CreateTable
CREATE TABLE "AlertOverride" (
    "id" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "enabled" BOOLEAN,
    "severity" TEXT,
    "threshold" INTEGER,

    CONSTRAINT "AlertOverride_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Channel" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "config" TEXT NOT NULL,
    "secretsSealed" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "routing" TEXT NOT NULL DEFAULT '{}',
    "digestHour" INTEGER,
    "digestTimeZone" TEXT,
    "lastDigestAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Channel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertDelivery" (
    "id" TEXT NOT NULL,
    "alertId" TEXT,
    "channelId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,
    "lastResult" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
    "digestId" TEXT,

    CONSTRAINT "AlertDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeliveryAttempt" (
    "id" TEXT NOT NULL,
    "deliveryId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "result" TEXT NOT NULL,
    "durationMs" INTEGER NOT NULL,

    CONSTRAINT "DeliveryAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE INDEX "ApiToken_userId_idx" ON "ApiToken"("userId");

-- CreateIndex
CREATE INDEX "ApiToken_createdAt_id_idx" ON "ApiToken"("createdAt", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_at_id_idx" ON "AuditEvent"("at", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_action_at_id_idx" ON "AuditEvent"("action", "at", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_actorName_at_id_idx" ON "AuditEvent"("actorName", "at", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_outcome_at_id_idx" ON "AuditEvent"("outcome", "at", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_targetName_at_id_idx" ON "AuditEvent"("targetName", "at", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_targetId_at_id_idx" ON "AuditEvent"("targetId", "at", "id");

-- CreateIndex
CREATE INDEX "EnrollmentToken_createdAt_id_idx" ON "EnrollmentToken"("createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");

-- CreateIndex
CREATE INDEX "Host_revokedAt_name_id_idx" ON "Host"("revokedAt", "name", "id");

-- CreateIndex
CREATE INDEX "Host_revokedAt_id_idx" ON "Host"("revokedAt", "id");

-- CreateIndex
CREATE INDEX "Host_revokedAt_lastBackupState_lastBackupAt_id_idx" ON "Host"("revokedAt", "lastBackupState", "lastBackupAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Repository_name_key" ON "Repository"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Repository_resticId_key" ON "Repository"("resticId");

-- CreateIndex
CREATE INDEX "RepositoryStat_repositoryId_at_idx" ON "RepositoryStat"("repositoryId", "at");

-- CreateIndex
CREATE INDEX "BackupSet_repositoryId_name_id_idx" ON "BackupSet"("repositoryId", "name", "id");

-- CreateIndex
CREATE INDEX "BackupSet_repositoryId_hostId_idx" ON "BackupSet"("repositoryId", "hostId");

-- CreateIndex
CREATE INDEX "BackupSet_name_id_idx" ON "BackupSet"("name", "id");

-- CreateIndex
CREATE INDEX "BackupSet_lastDrillAt_id_idx" ON "BackupSet"("lastDrillAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "BackupSet_hostId_name_key" ON "BackupSet"("hostId", "name");

-- CreateIndex
CREATE INDEX "Job_createdAt_id_idx" ON "Job"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Job_hostId_createdAt_id_idx" ON "Job"("hostId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Job_kind_createdAt_id_idx" ON "Job"("kind", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Job_state_createdAt_id_idx" ON "Job"("state", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Job_state_finishedAt_idx" ON "Job"("state", "finishedAt");

-- CreateIndex
CREATE INDEX "Job_scheduleId_createdAt_idx" ON "Job"("scheduleId", "createdAt");

-- CreateIndex
CREATE INDEX "Job_repositoryId_createdAt_idx" ON "Job"("repositoryId", "createdAt");

-- CreateIndex
CREATE INDEX "Job_backupSetId_createdAt_idx" ON "Job"("backupSetId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Job_scheduleId_scheduledFor_key" ON "Job"("scheduleId", "scheduledFor");

-- CreateIndex
CREATE INDEX "JobLog_jobId_id_idx" ON "JobLog"("jobId", "id");

-- CreateIndex
CREATE INDEX "Schedule_createdAt_id_idx" ON "Schedule"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Schedule_hostId_createdAt_id_idx" ON "Schedule"("hostId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Schedule_repositoryId_createdAt_id_idx" ON "Schedule"("repositoryId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Schedule_backupSetId_createdAt_id_idx" ON "Schedule"("backupSetId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Schedule_kind_createdAt_id_idx" ON "Schedule"("kind", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Schedule_paused_createdAt_id_idx" ON "Schedule"("paused", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Schedule_nextJudgeAt_idx" ON "Schedule"("nextJudgeAt");

-- CreateIndex
CREATE INDEX "ScheduleMiss_recordedAt_id_idx" ON "ScheduleMiss"("recordedAt", "id");

-- CreateIndex
CREATE INDEX "ScheduleMiss_hostId_recordedAt_id_idx" ON "ScheduleMiss"("hostId", "recordedAt", "id");

-- CreateIndex
CREATE INDEX "ScheduleMiss_scheduleId_recordedAt_id_idx" ON "ScheduleMiss"("scheduleId", "recordedAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ScheduleMiss_scheduleId_slot_key" ON "ScheduleMiss"("scheduleId", "slot");

-- CreateIndex
CREATE UNIQUE INDEX "Alert_openKey_key" ON "Alert"("openKey");

-- CreateIndex
CREATE INDEX "Alert_state_lastSeenAt_id_idx" ON "Alert"("state", "lastSeenAt", "id");

-- CreateIndex
CREATE INDEX "Alert_lastSeenAt_id_idx" ON "Alert"("lastSeenAt", "id");

-- CreateIndex
CREATE INDEX "Alert_hostId_lastSeenAt_id_idx" ON "Alert"("hostId", "lastSeenAt", "id");

-- CreateIndex
CREATE INDEX "Alert_kind_lastSeenAt_id_idx" ON "Alert"("kind", "lastSeenAt", "id");

-- CreateIndex
CREATE INDEX "Alert_severity_lastSeenAt_id_idx" ON "Alert"("severity", "lastSeenAt", "id");

-- CreateIndex
CREATE INDEX "Alert_severity_state_idx" ON "Alert"("severity", "state");

-- CreateIndex
CREATE INDEX "AlertEvent_alertId_at_idx" ON "AlertEvent"("alertId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "AlertOverride_hostId_kind_key" ON "AlertOverride"("hostId", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "Channel_name_key" ON "Channel"("name");

-- CreateIndex
CREATE INDEX "AlertDelivery_state_nextAttemptAt_idx" ON "AlertDelivery"("state", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "AlertDelivery_alertId_createdAt_idx" ON "AlertDelivery"("alertId", "createdAt");

-- CreateIndex
CREATE INDEX "AlertDelivery_channelId_state_createdAt_idx" ON "AlertDelivery"("channelId", "state", "createdAt");

-- CreateIndex
CREATE INDEX "DeliveryAttempt_deliveryId_at_idx" ON "DeliveryAttempt"("deliveryId", "at");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Repository" ADD CONSTRAINT "Repository_maintenanceHostId_fkey" FOREIGN KEY ("maintenanceHostId") REFERENCES "Host"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryStat" ADD CONSTRAINT "RepositoryStat_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackupSet" ADD CONSTRAINT "BackupSet_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackupSet" ADD CONSTRAINT "BackupSet_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobLog" ADD CONSTRAINT "JobLog_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_backupSetId_fkey" FOREIGN KEY ("backupSetId") REFERENCES "BackupSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScheduleMiss" ADD CONSTRAINT "ScheduleMiss_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertEvent" ADD CONSTRAINT "AlertEvent_alertId_fkey" FOREIGN KEY ("alertId") REFERENCES "Alert"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertOverride" ADD CONSTRAINT "AlertOverride_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertDelivery" ADD CONSTRAINT "AlertDelivery_alertId_fkey" FOREIGN KEY ("alertId") REFERENCES "Alert"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertDelivery" ADD CONSTRAINT "AlertDelivery_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "Channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeliveryAttempt" ADD CONSTRAINT "DeliveryAttempt_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "AlertDelivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;

