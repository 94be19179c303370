-- AlterTable
ALTER TABLE "Schedule" ADD COLUMN "nextJudgeAt" DATETIME;

-- CreateIndex
CREATE INDEX "Schedule_nextJudgeAt_idx" ON "Schedule"("nextJudgeAt");


