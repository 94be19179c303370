-- AlterTable
ALTER TABLE "Host" ADD COLUMN "timeZone" TEXT;

-- CreateTable
CREATE TABLE "Schedule" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "judgedThrough" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Schedule_backupSetId_fkey" FOREIGN KEY ("backupSetId") REFERENCES "BackupSet" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Schedule_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Schedule_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ScheduleMiss" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "scheduleId" TEXT NOT NULL,
    "hostId" TEXT,
    "slot" DATETIME NOT NULL,
    "reason" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "recordedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ScheduleMiss_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_BackupSet" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "repositoryId" TEXT NOT NULL,
    "options" TEXT NOT NULL,
    "retention" TEXT,
    "forgetAfterBackup" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "BackupSet_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "BackupSet_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_BackupSet" ("createdAt", "hostId", "id", "name", "options", "repositoryId", "updatedAt") SELECT "createdAt", "hostId", "id", "name", "options", "repositoryId", "updatedAt" FROM "BackupSet";
DROP TABLE "BackupSet";
ALTER TABLE "new_BackupSet" RENAME TO "BackupSet";
CREATE INDEX "BackupSet_repositoryId_idx" ON "BackupSet"("repositoryId");
CREATE UNIQUE INDEX "BackupSet_hostId_name_key" ON "BackupSet"("hostId", "name");
CREATE TABLE "new_Job" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "hostId" TEXT NOT NULL,
    "repositoryId" TEXT,
    "kind" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL DEFAULT 'backup',
    "backupSetId" TEXT,
    "params" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dispatchedAt" DATETIME,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "createdByType" TEXT NOT NULL,
    "createdById" TEXT,
    "createdByName" TEXT,
    "retryOfId" TEXT,
    "scheduleId" TEXT,
    "scheduledFor" DATETIME,
    "exitCode" INTEGER,
    "error" TEXT,
    "result" TEXT,
    "progress" TEXT,
    "logLines" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "Job_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Job_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Job_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Job" ("backupSetId", "cancelRequested", "createdAt", "createdById", "createdByName", "createdByType", "dispatchedAt", "endpoint", "error", "exitCode", "finishedAt", "hostId", "id", "kind", "logLines", "params", "progress", "repositoryId", "result", "retryOfId", "startedAt", "state") SELECT "backupSetId", "cancelRequested", "createdAt", "createdById", "createdByName", "createdByType", "dispatchedAt", "endpoint", "error", "exitCode", "finishedAt", "hostId", "id", "kind", "logLines", "params", "progress", "repositoryId", "result", "retryOfId", "startedAt", "state" FROM "Job";
DROP TABLE "Job";
ALTER TABLE "new_Job" RENAME TO "Job";
CREATE INDEX "Job_hostId_createdAt_idx" ON "Job"("hostId", "createdAt");
CREATE INDEX "Job_state_idx" ON "Job"("state");
CREATE INDEX "Job_createdAt_idx" ON "Job"("createdAt");
CREATE INDEX "Job_scheduleId_createdAt_idx" ON "Job"("scheduleId", "createdAt");
CREATE UNIQUE INDEX "Job_scheduleId_scheduledFor_key" ON "Job"("scheduleId", "scheduledFor");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Schedule_createdAt_id_idx" ON "Schedule"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Schedule_hostId_createdAt_id_idx" ON "Schedule"("hostId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Schedule_repositoryId_createdAt_id_idx" ON "Schedule"("repositoryId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Schedule_backupSetId_idx" ON "Schedule"("backupSetId");

-- CreateIndex
CREATE INDEX "Schedule_kind_createdAt_id_idx" ON "Schedule"("kind", "createdAt", "id");

-- CreateIndex
CREATE INDEX "ScheduleMiss_recordedAt_id_idx" ON "ScheduleMiss"("recordedAt", "id");

-- CreateIndex
CREATE INDEX "ScheduleMiss_hostId_recordedAt_id_idx" ON "ScheduleMiss"("hostId", "recordedAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ScheduleMiss_scheduleId_slot_key" ON "ScheduleMiss"("scheduleId", "slot");

