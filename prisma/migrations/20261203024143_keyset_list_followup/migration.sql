-- CreateIndex
CREATE INDEX "ApiToken_createdAt_id_idx" ON "ApiToken"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Host_revokedAt_id_idx" ON "Host"("revokedAt", "id");

