-- CreateTable
CREATE TABLE "RepositoryStat" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "repositoryId" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "snapshotCount" INTEGER NOT NULL,
    "totalSize" REAL NOT NULL,
    "rawSize" REAL NOT NULL,
    CONSTRAINT "RepositoryStat_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "BackupSet" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "repositoryId" TEXT NOT NULL,
    "options" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "BackupSet_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "BackupSet_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Repository" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "healthAt" DATETIME,
    "healthJobId" TEXT,
    "healthRequestedAt" DATETIME,
    "healthError" TEXT,
    "snapshotCount" INTEGER,
    "totalSize" REAL,
    "rawSize" REAL,
    "uncompressedSize" REAL,
    "hostsJson" TEXT,
    "locksJson" TEXT,
    "lastCheckAt" DATETIME,
    "lastCheckOk" BOOLEAN,
    "lastCheckJobId" TEXT,
    "lastCheckSuccessAt" DATETIME,
    CONSTRAINT "Repository_maintenanceHostId_fkey" FOREIGN KEY ("maintenanceHostId") REFERENCES "Host" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Repository" ("createdAt", "displayUrl", "envSealed", "id", "name", "passwordSealed", "updatedAt", "urlSealed") SELECT "createdAt", "displayUrl", "envSealed", "id", "name", "passwordSealed", "updatedAt", "urlSealed" FROM "Repository";
DROP TABLE "Repository";
ALTER TABLE "new_Repository" RENAME TO "Repository";
CREATE UNIQUE INDEX "Repository_name_key" ON "Repository"("name");
CREATE UNIQUE INDEX "Repository_resticId_key" ON "Repository"("resticId");
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
    "exitCode" INTEGER,
    "error" TEXT,
    "result" TEXT,
    "progress" TEXT,
    "logLines" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "Job_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Job_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Job" ("cancelRequested", "createdAt", "createdById", "createdByName", "createdByType", "dispatchedAt", "error", "exitCode", "finishedAt", "hostId", "id", "kind", "logLines", "params", "progress", "repositoryId", "result", "retryOfId", "startedAt", "state") SELECT "cancelRequested", "createdAt", "createdById", "createdByName", "createdByType", "dispatchedAt", "error", "exitCode", "finishedAt", "hostId", "id", "kind", "logLines", "params", "progress", "repositoryId", "result", "retryOfId", "startedAt", "state" FROM "Job";
DROP TABLE "Job";
ALTER TABLE "new_Job" RENAME TO "Job";
CREATE INDEX "Job_hostId_createdAt_idx" ON "Job"("hostId", "createdAt");
CREATE INDEX "Job_state_idx" ON "Job"("state");
CREATE INDEX "Job_createdAt_idx" ON "Job"("createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "RepositoryStat_repositoryId_at_idx" ON "RepositoryStat"("repositoryId", "at");

-- CreateIndex
CREATE INDEX "BackupSet_repositoryId_idx" ON "BackupSet"("repositoryId");

-- CreateIndex
CREATE UNIQUE INDEX "BackupSet_hostId_name_key" ON "BackupSet"("hostId", "name");

