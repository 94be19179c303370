-- AlterTable
ALTER TABLE "BackupSet" ADD COLUMN "lastDrillAt" DATETIME;
ALTER TABLE "BackupSet" ADD COLUMN "lastDrillJobId" TEXT;
ALTER TABLE "BackupSet" ADD COLUMN "lastDrillState" TEXT;

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
    "restoreRoots" TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO "new_Host" ("agentVersion", "arch", "createdAt", "credentialHash", "hostname", "id", "lastBackupAt", "lastBackupJobId", "lastBackupState", "lastSeenAt", "name", "os", "protocolVersion", "resticProblem", "resticVersion", "revokedAt", "timeZone") SELECT "agentVersion", "arch", "createdAt", "credentialHash", "hostname", "id", "lastBackupAt", "lastBackupJobId", "lastBackupState", "lastSeenAt", "name", "os", "protocolVersion", "resticProblem", "resticVersion", "revokedAt", "timeZone" FROM "Host";
DROP TABLE "Host";
ALTER TABLE "new_Host" RENAME TO "Host";
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

