-- DropIndex
DROP INDEX "AuditEvent_actorName_at_idx";

-- DropIndex
DROP INDEX "AuditEvent_action_at_idx";

-- DropIndex
DROP INDEX "AuditEvent_at_idx";

-- DropIndex
DROP INDEX "BackupSet_repositoryId_idx";

-- DropIndex
DROP INDEX "Job_createdAt_idx";

-- DropIndex
DROP INDEX "Job_state_idx";

-- DropIndex
DROP INDEX "Job_hostId_createdAt_idx";

-- DropIndex
DROP INDEX "Schedule_backupSetId_idx";

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
CREATE INDEX "Host_revokedAt_name_id_idx" ON "Host"("revokedAt", "name", "id");

-- CreateIndex
CREATE INDEX "Host_revokedAt_lastBackupState_lastBackupAt_id_idx" ON "Host"("revokedAt", "lastBackupState", "lastBackupAt", "id");

-- CreateIndex
CREATE INDEX "BackupSet_repositoryId_name_id_idx" ON "BackupSet"("repositoryId", "name", "id");

-- CreateIndex
CREATE INDEX "BackupSet_name_id_idx" ON "BackupSet"("name", "id");

-- CreateIndex
CREATE INDEX "BackupSet_lastDrillAt_id_idx" ON "BackupSet"("lastDrillAt", "id");

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
CREATE INDEX "Schedule_backupSetId_createdAt_id_idx" ON "Schedule"("backupSetId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Schedule_paused_createdAt_id_idx" ON "Schedule"("paused", "createdAt", "id");

-- CreateIndex
CREATE INDEX "ScheduleMiss_scheduleId_recordedAt_id_idx" ON "ScheduleMiss"("scheduleId", "recordedAt", "id");

-- CreateIndex
CREATE INDEX "Alert_severity_lastSeenAt_id_idx" ON "Alert"("severity", "lastSeenAt", "id");

-- CreateIndex
CREATE INDEX "Alert_severity_state_idx" ON "Alert"("severity", "state");

