-- CreateIndex
CREATE INDEX "BackupSet_repositoryId_hostId_idx" ON "BackupSet"("repositoryId", "hostId");

