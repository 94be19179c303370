-- AlterTable
ALTER TABLE "Host" ADD COLUMN "refusedAgentVersion" TEXT;
ALTER TABLE "Host" ADD COLUMN "refusedAt" DATETIME;
ALTER TABLE "Host" ADD COLUMN "refusedProtocol" INTEGER;

