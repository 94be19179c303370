-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "refusedAgentVersion" TEXT,
ADD COLUMN     "refusedAt" TIMESTAMP(3),
ADD COLUMN     "refusedProtocol" INTEGER;

