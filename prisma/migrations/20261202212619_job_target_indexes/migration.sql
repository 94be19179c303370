-- CreateIndex
CREATE INDEX "Job_repositoryId_createdAt_idx" ON "Job"("repositoryId", "createdAt");

-- CreateIndex
CREATE INDEX "Job_backupSetId_createdAt_idx" ON "Job"("backupSetId", "createdAt");

