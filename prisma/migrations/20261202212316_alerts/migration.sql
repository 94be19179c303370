-- CreateTable
CREATE TABLE "Alert" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "firstSeenAt" DATETIME NOT NULL,
    "lastSeenAt" DATETIME NOT NULL,
    "acknowledgedAt" DATETIME,
    "acknowledgedBy" TEXT,
    "ackNote" TEXT,
    "resolvedAt" DATETIME,
    "resolvedBy" TEXT,
    "lastNotifiedAt" DATETIME,
    "snoozedUntil" DATETIME
);

-- CreateTable
CREATE TABLE "AlertEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "alertId" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "type" TEXT NOT NULL,
    "actor" TEXT,
    "note" TEXT,
    CONSTRAINT "AlertEvent_alertId_fkey" FOREIGN KEY ("alertId") REFERENCES "Alert" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AlertRule" (
    "kind" TEXT NOT NULL PRIMARY KEY,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "severity" TEXT NOT NULL,
    "threshold" INTEGER,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "AlertOverride" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "hostId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "enabled" BOOLEAN,
    "severity" TEXT,
    "threshold" INTEGER,
    CONSTRAINT "AlertOverride_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Channel" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "config" TEXT NOT NULL,
    "secretsSealed" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "routing" TEXT NOT NULL DEFAULT '{}',
    "digestHour" INTEGER,
    "digestTimeZone" TEXT,
    "lastDigestAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "AlertDelivery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "alertId" TEXT,
    "channelId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL,
    "lastResult" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME,
    "digestId" TEXT,
    CONSTRAINT "AlertDelivery_alertId_fkey" FOREIGN KEY ("alertId") REFERENCES "Alert" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "AlertDelivery_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "Channel" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DeliveryAttempt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "deliveryId" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "result" TEXT NOT NULL,
    "durationMs" INTEGER NOT NULL,
    CONSTRAINT "DeliveryAttempt_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "AlertDelivery" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Host" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "os" TEXT NOT NULL,
    "arch" TEXT,
    "agentVersion" TEXT,
    "protocolVersion" INTEGER,
    "resticVersion" TEXT,
    "resticProblem" TEXT,
    "credentialHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" DATETIME,
    "revokedAt" DATETIME,
    "lastBackupAt" DATETIME,
    "lastBackupState" TEXT,
    "lastBackupJobId" TEXT,
    "timeZone" TEXT,
    "restoreRoots" TEXT NOT NULL DEFAULT '[]',
    "maintenanceWindows" TEXT NOT NULL DEFAULT '[]',
    "alertsSnoozedUntil" DATETIME
);
INSERT INTO "new_Host" ("agentVersion", "arch", "createdAt", "credentialHash", "hostname", "id", "lastBackupAt", "lastBackupJobId", "lastBackupState", "lastSeenAt", "name", "os", "protocolVersion", "resticProblem", "resticVersion", "restoreRoots", "revokedAt", "timeZone") SELECT "agentVersion", "arch", "createdAt", "credentialHash", "hostname", "id", "lastBackupAt", "lastBackupJobId", "lastBackupState", "lastSeenAt", "name", "os", "protocolVersion", "resticProblem", "resticVersion", "restoreRoots", "revokedAt", "timeZone" FROM "Host";
DROP TABLE "Host";
ALTER TABLE "new_Host" RENAME TO "Host";
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

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

